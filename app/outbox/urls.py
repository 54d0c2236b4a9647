"""Which capture URLs the operator may push to (pure).

Only ``https``; plain ``http`` only to this machine (127.0.0.1, ::1, localhost) and only
where the operator allows it for development (``CUSTODY_OUTBOX_ALLOW_HTTP_LOOPBACK``).
No credentials in the URL (the key travels as a bearer header), no fragment.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.errors import ValidationFailed

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def check_capture_url(url: str, allow_http_loopback: bool = False) -> str:
    """``url`` when the operator may push to it; otherwise a 422 naming what is wrong.

    >>> check_capture_url("https://partner.example/epcis/capture")
    'https://partner.example/epcis/capture'
    >>> check_capture_url("http://127.0.0.1:8001/capture", allow_http_loopback=True)
    'http://127.0.0.1:8001/capture'
    >>> check_capture_url("http://partner.example/capture", allow_http_loopback=True)
    Traceback (most recent call last):
    ...
    app.errors.ValidationFailed: capture_url: expected an https URL (http only to 127.0.0.1 or localhost, in development), got 'http://partner.example/capture'
    """
    def refuse(why: str) -> ValidationFailed:
        return ValidationFailed(f"capture_url: expected {why}, got {url!r}",
                                field="capture_url", found=url)

    if len(url) > 500 or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise refuse("at most 500 characters without spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError:
        raise refuse("a URL") from None
    if not host:
        raise refuse("a URL naming a host")
    if parts.username is not None or parts.password is not None:
        raise refuse("a URL without user or password (the key is sent as a bearer header)")
    if parts.fragment:
        raise refuse("a URL without a #fragment")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and allow_http_loopback and host in LOOPBACK:
        return url
    raise refuse("an https URL (http only to 127.0.0.1 or localhost, in development)")
