"""A serving process sets its garbage collector for serving once the model is loaded: what it
holds from its start frozen out of the collector's reach, young collections rarer."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from dailypapers.web import create_app
from web.conftest import Site


def test_a_serving_process_freezes_what_it_started_with(site: Site) -> None:
    before = gc.get_threshold()
    try:
        # An app in a process that does more (these tests) leaves the collector alone.
        with TestClient(create_app(site.hub, site.hub.settings, background_index=False)):
            assert gc.get_threshold() == before and gc.get_freeze_count() == 0
        with TestClient(
            create_app(site.hub, site.hub.settings, background_index=False, serving=True)
        ) as client:
            assert gc.get_threshold() == (20_000, 20, 100)
            # Modules, templates and the hub's objects: far more than a request makes.
            assert gc.get_freeze_count() > 50_000
            assert client.get("/").status_code == 200
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
