"""``/openapi.json`` as the API's contract: valid OpenAPI 3.1, a shape for every JSON answer, the
bearer scheme on every write, the feeds' own media types."""

from __future__ import annotations

from typing import Any

import pytest

from web.conftest import Site

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")


@pytest.fixture(scope="module")
def spec(site: Site) -> dict[str, Any]:
    document: dict[str, Any] = site.client().get("/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    openapi_spec_validator.validate(spec)


def test_every_json_answer_has_a_shape(spec: dict[str, Any]) -> None:
    open_answers = [
        (method, path, status)
        for method, path, operation in _operations(spec)
        for status, answer in operation["responses"].items()
        if status.startswith("2")
        for media, content in answer.get("content", {}).items()
        if media == "application/json" and "$ref" not in str(content["schema"])
    ]
    assert open_answers == []
    item = spec["components"]["schemas"]["DailyItem"]
    assert {"paper", "thumbnail", "submittedBy", "isAuthorParticipating"} <= set(item["required"])
    user = spec["components"]["schemas"]["User"]
    assert {"_id", "avatarUrl", "fullname", "name", "type", "isPro"} <= set(user["required"])


def test_writes_name_the_bearer_scheme_and_feeds_their_media_types(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerToken"]["description"],
    }
    writes = [
        (method, path, operation)
        for method, path, operation in _operations(spec)
        if method in ("POST", "DELETE") and path != "/api/subscriptions"
    ]
    assert writes and all(
        {"bearerToken": []} in operation.get("security", []) for _, _, operation in writes
    )
    for method, path, operation in _operations(spec):
        if path.startswith("/feeds/"):
            assert set(operation["responses"]["200"]["content"]) == {
                "application/atom+xml",
                "application/rss+xml",
            }, (method, path)
