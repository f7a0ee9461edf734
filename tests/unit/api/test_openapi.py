"""The OpenAPI document is valid 3.1 and describes every route mounted under /api."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiohttp import web
from openapi_spec_validator import validate

from helpdesk.api import add_api_routes, endpoints
from helpdesk.api.openapi import build_document, render_html
from helpdesk.settings import Settings


def _mounted(settings: Settings | None = None) -> tuple[web.Application, Any]:
    app = web.Application()
    settings = settings or Settings(_env_file=None)  # type: ignore[call-arg]
    ctx = add_api_routes(app, SimpleNamespace(settings=settings))
    return app, ctx


def _api_routes(app: web.Application) -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        info = resource.get_info()
        sub = info.get("app")
        if sub is None:
            continue
        for inner in sub.router.routes():
            if inner.method != "HEAD" and inner.resource is not None:
                routes.add((inner.method, inner.resource.canonical))  # already carries the /api prefix
    return routes


def test_document_is_valid_openapi_3_1() -> None:
    document = build_document(endpoints())
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_mounted_route_is_documented_and_nothing_else() -> None:
    app, _ = _mounted()
    document = build_document(endpoints())
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    mounted = _api_routes(app)
    assert len(mounted) == len(endpoints()) >= 20
    assert mounted == documented


def test_every_operation_documents_its_scope_params_and_errors() -> None:
    document = build_document(endpoints())
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op["summary"] and op.get("description"), where
            in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert in_path == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, where
            if path.startswith("/api/openapi") or path == "/api/docs":
                assert op["security"] == [], where
                continue
            assert op["x-required-scope"], where
            assert {"401", "403", "429"} <= set(op["responses"]), where
            if method in ("post", "patch") and "requestBody" in op:
                assert "422" in op["responses"] or "400" in op["responses"], where
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    assert "WebhookDelivery" in schemas and "ticketEvent" in document["webhooks"]


def test_html_page_lists_every_endpoint_without_scripts() -> None:
    document = build_document(endpoints())
    page = render_html(document)
    assert "<script" not in page and "http" not in page.replace("/api/openapi.json", "")
    for path in document["paths"]:
        assert path in page


def test_mounting_reads_rate_limits_from_settings() -> None:
    _, ctx = _mounted()
    assert (ctx.limiter.rate, ctx.limiter.burst) == (20.0, 40.0)
    _, ctx = _mounted(Settings(_env_file=None, api_rate_per_s=5, api_rate_burst=7))  # type: ignore[call-arg]
    assert (ctx.limiter.rate, ctx.limiter.burst) == (5.0, 7.0)
