"""Ask another brand owner's VRS responder (R1.3 request URI), with a timeout and retries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from app.vrs.codes import LINK_TYPE, VERSION, Asked

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Answers worth asking again (with the same corrUUID: an R1.3 responder keyed on it replays)."""


@dataclass(frozen=True)
class Reply:
    """What came back: the status and JSON body of the last attempt, or why there was none."""

    url: str
    status_code: int | None
    body: dict | None
    error: str | None
    attempts: int


def request_url(base: str, asked: Asked) -> str:
    """The R1.3 request path under the responder's base URL (query string apart).

    >>> from datetime import date
    >>> a = Asked("00312345060015", "A/1", "S 1", "281100", date(2028, 11, 30), "c", "g", "u")
    >>> request_url("http://r.test/vrs/", a)
    'http://r.test/vrs/verify/gtin/00312345060015/lot/A%2F1/ser/S%201'
    """
    lot, serial = quote(asked.lot, safe=""), quote(asked.serial, safe="")
    return f"{base.rstrip('/')}/verify/gtin/{asked.gtin}/lot/{lot}/ser/{serial}"


async def ask(
    base: str, asked: Asked, api_key: str, *, timeout: float, retries: int,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Reply:
    """GET the verification from the responder at ``base``; retry timeouts, connection
    failures and :data:`RETRY_STATUSES` up to ``retries`` times, backing off."""
    url = request_url(base, asked)
    params = {"exp": asked.exp, "linkType": LINK_TYPE, "context": asked.context,
              "reqGLN": asked.req_gln, "corrUUID": asked.corr_uuid}
    headers = {"Authorization": f"Bearer {api_key}", "GS1US-Version": VERSION,
               "Accept": "application/json"}
    status, body, error = None, None, None
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
        for attempt in range(1, retries + 2):
            if attempt > 1:
                await asyncio.sleep(min(0.2 * 2 ** (attempt - 2), 2.0))
            try:
                response = await client.get(url, params=params, headers=headers)
            except httpx.TimeoutException:
                status, body, error = None, None, f"no answer within {timeout:g} s"
                continue
            except httpx.TransportError as exc:
                status, body, error = None, None, f"cannot reach {base}: {exc or type(exc).__name__}"
                continue
            status, body, error = response.status_code, None, None
            if status == 200:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    body, error = None, "responder answered 200 without a JSON object"
                return Reply(url, status, body, error, attempt)
            error = f"responder answered HTTP {status}" + _detail(response)
            if status not in RETRY_STATUSES:
                return Reply(url, status, None, error, attempt)
    return Reply(url, status, body, error, retries + 1)


def _detail(response: httpx.Response) -> str:
    """The problem ``detail`` a Custody responder gives (R1.3 bodies are empty off 200)."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return ""
    return f": {detail}" if isinstance(detail, str) else ""
