"""The app as an import path, for ``serve --workers N`` and for running under any ASGI server.

Each worker process builds its own hub from the settings (flags reach workers as ``DAILYPAPERS_*``
environment variables): ``uvicorn --factory dailypapers.web.asgi:create``.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.web.app import create_app


def create() -> FastAPI:
    settings = load_settings()
    settings.require_secret()
    hub = Hub.open(settings)
    # `serve --workers N --with-worker`: each process may run the jobs; their leases in the
    # store let one run each.
    worker = os.environ.get("DAILYPAPERS_SERVE_WORKER", "")
    return create_app(
        hub, hub.settings, worker=bool(worker), fetch=worker != "no-fetch", serving=True
    )
