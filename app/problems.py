"""Map every error to RFC 9457 problem+json, once."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app.db import describe_connection_error, is_unreachable
from app.errors import PROBLEM_BASE, PROBLEM_JSON, CustodyError, DatabaseUnavailableError

log = structlog.get_logger("custody.errors")


def problem_response(body: dict, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _custody_error(request: Request, exc: CustodyError) -> JSONResponse:
    return problem_response(exc.problem(request.url.path), exc.status, exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"]),
            "message": err["msg"],
            "found": err.get("input") if isinstance(err.get("input"), str | int | float) else None,
        }
        for err in exc.errors()
    ]
    first = errors[0]
    body = {
        "type": PROBLEM_BASE + "validation",
        "title": "Invalid input",
        "status": 422,
        "detail": f"{first['field']}: {first['message']}",
        "instance": request.url.path,
        "errors": errors,
    }
    return problem_response(body, 422)


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """The methods some route serves at the request's path (one route holds only some)."""
    routes = request.app.router.routes
    return ", ".join(m for m in METHODS if any(
        route.matches({**request.scope, "method": m})[0] is Match.FULL for route in routes))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    body = {
        "type": PROBLEM_BASE + slug,
        "title": str(exc.detail) if exc.status_code in (404, 405) else "HTTP error",
        "status": exc.status_code,
        "detail": f"{request.method} {request.url.path}: {exc.detail}",
        "instance": request.url.path,
    }
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return problem_response(body, exc.status_code, headers)


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if not is_unreachable(exc):
        return await _unexpected(request, exc)
    url = request.app.state.engine.url
    log.warning("database unavailable", path=request.url.path)
    return await _custody_error(request, DatabaseUnavailableError(describe_connection_error(url, exc)))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return problem_response(
        CustodyError("an unexpected error occurred; it was logged").problem(request.url.path), 500
    )


PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is stable per error.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": PROBLEM_BASE + "<slug>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what was expected and what was got"},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "the input at fault"},
        "expected": {},
        "found": {},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def _document(app: FastAPI) -> None:
    """Declare every operation's error responses as problem+json in the OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        schemas["Problem"] = PROBLEM_SCHEMA
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                for code in [c for c in responses if c[0] in "45"]:
                    if "headers" in responses[code]:  # an error with headers of its own stays
                        responses[code]["content"] = content
                    else:
                        del responses[code]
                responses["4XX"] = {"description": "Refused: a problem naming the input",
                                    "content": content}
                responses["5XX"] = {"description": "Unavailable or failed", "content": content}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` and document them in its OpenAPI schema."""
    _document(app)
    # Starlette types handlers as taking any Exception; each of these gets only its own class.
    app.add_exception_handler(CustodyError, _custody_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
