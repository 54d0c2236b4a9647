"""One exception tree for the service, rendered once as RFC 9457 ``application/problem+json``.

Each class carries its HTTP status and a stable ``type`` URI
(``https://custody.dev/problems/<slug>``); raise them anywhere below the routers.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://custody.dev/problems/"
PROBLEM_JSON = "application/problem+json"


class CustodyError(Exception):
    """Base of every error Custody reports to a user.

    Args:
        detail: one sentence naming the input, what was expected and what was got.
        headers: HTTP headers the error response carries (e.g. the limits a 413 exceeded).
        **extensions: extra problem members (``field``, ``expected``, ``found`` ...).
    """

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = {k: v for k, v in extensions.items() if v is not None}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem details object."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class ConfigurationError(CustodyError):
    """A setting is missing or malformed; the message names the variable."""

    slug, title = "configuration", "Configuration error"


class DatabaseUnavailableError(CustodyError):
    """The database cannot be reached."""

    status, slug, title = 503, "database-unavailable", "Database unavailable"


class ValidationFailed(CustodyError):
    """A request body or parameter is malformed."""

    status, slug, title = 422, "validation", "Invalid input"


class NotFound(CustodyError):
    """The named resource does not exist (or is not visible to the caller)."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(CustodyError):
    """The request contradicts stored state."""

    status, slug, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    """A unit cannot move from its current status to the requested one."""

    slug, title = "invalid-transition", "Invalid unit status transition"


class Unauthorized(CustodyError):
    """No valid API key was presented; the answer names the scheme (RFC 9110 section 11.6.1)."""

    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class Forbidden(CustodyError):
    """The API key lacks the scope for this call."""

    status, slug, title = 403, "forbidden", "Forbidden"


class PayloadTooLarge(CustodyError):
    """The request body exceeds the configured limit."""

    status, slug, title = 413, "payload-too-large", "Payload too large"


class NotYetSigned(Conflict):
    """The leaf exists but no signed checkpoint covers it yet."""

    slug, title = "not-yet-signed", "Not yet in a signed tree"
