"""HTML: the landing page (``/``) and Swagger UI (``/docs``) from vendored assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__
from app.dialect import backend
from app.staff.roles import permissions_of

HERE = Path(__file__).parent
SWAGGER_UI = "/static/swagger-ui"  # swagger-ui-dist 5.36.0, see static/swagger-ui/README.md
static = StaticFiles(directory=HERE / "static")
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["permissions"] = lambda roles: {p.value for p in permissions_of(roles)}
router = APIRouter(include_in_schema=False)

LINKS = (
    ("/signin", "Staff sign-in", "the operator's staff: scan & verify packages against the ledger"),
    ("/docs", "API documentation", "every operation, with a form to try it (Authorize with your key)"),
    ("/openapi.json", "OpenAPI schema", "the same, for code generators"),
    ("/ledger/checkpoint", "Latest checkpoint", "the signed tree head of the Merkle log"),
    ("/healthz", "Liveness", "the process answers"),
    ("/readyz", "Readiness", "the database answers"),
    ("/metrics", "Metrics", "Prometheus text format"),
)


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    return templates.TemplateResponse(request, "index.html", {
        "version": __version__,
        "origin": settings.log_origin,
        "database": backend(request.app.state.engine),
        "capture_limit": settings.capture_event_limit,
        "links": LINKS,
    })


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # no call to validator.swagger.io
    )
