"""Map every error to RFC 9457 problem+json, once."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.errors import PROBLEM_BASE, PROBLEM_JSON, CustodyError

log = structlog.get_logger("custody.errors")


def problem_response(body: dict, status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _custody_error(request: Request, exc: CustodyError) -> JSONResponse:
    return problem_response(exc.problem(request.url.path), exc.status)


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


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    body = {
        "type": PROBLEM_BASE + slug,
        "title": str(exc.detail) if exc.status_code in (404, 405) else "HTTP error",
        "status": exc.status_code,
        "detail": f"{request.method} {request.url.path}: {exc.detail}",
        "instance": request.url.path,
    }
    return problem_response(body, exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return problem_response(
        CustodyError("an unexpected error occurred; it was logged").problem(request.url.path), 500
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(CustodyError, _custody_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
