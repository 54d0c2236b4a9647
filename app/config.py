"""Settings from the environment (prefix ``CUSTODY_``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.errors import ConfigurationError

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+psycopg")


class Settings(BaseSettings):
    """Everything Custody reads from its environment. See the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="CUSTODY_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./custody.db",
        description="SQLAlchemy URL: SQLite file (embedded default) or postgresql+psycopg://...",
    )
    host: str = Field(default="127.0.0.1", description="Address `custody serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `custody serve` binds to.")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(default=True, description="JSON log lines (false: console format).")
    key_dir: Path = Field(default=Path("keys"), description="Where `custody keys` writes keys.")
    log_origin: str = Field(
        default="custody.example/log", description="Origin line of signed checkpoints."
    )
    checkpoint_interval_seconds: int = Field(
        default=30, ge=0, description="Least time between two checkpoints: the server and each "
        "worker holding the signing key sign one once the log has grown and this long has "
        "passed since the last, so a leaf is in a signed tree within about this long (0: only "
        "`custody checkpoint` signs)."
    )
    max_document_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest EPCIS document accepted."
    )
    capture_event_limit: int = Field(
        default=500_000, ge=1, description="Most events one captured document may hold; a job "
        "whose document holds more fails (advertised as GS1-EPCIS-Capture-Limit)."
    )
    job_lease_seconds: float = Field(
        default=300, gt=0, description="A running capture job whose worker has been silent this "
        "long is taken over by another worker."
    )
    page_token_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        description="Signs the nextPageToken of event queries. Production sets it, the same on "
        "every API process: unset, each process makes its own at start, and its tokens fail on "
        "other processes and after a restart.",
    )

    session_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        description="Signs the staff web app's session cookie. Production sets it, the same on "
        "every process: unset, each process makes its own at start, and staff sign in again "
        "after a restart.",
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set it behind TLS)."
    )
    vrs_group_commit: bool = Field(
        default=True, description="Append VRS evidence leaves of concurrent answers in one "
        "transaction (group commit; every answer is in the log before it is sent). false: one "
        "transaction per answer.",
    )

    outbox_allow_http_loopback: bool = Field(
        default=False, description="Development only: partners' capture URLs may be plain "
        "http to 127.0.0.1 or localhost (otherwise https only)."
    )
    outbox_timeout_seconds: float = Field(
        default=30, gt=0, le=600, description="How long one push to a capture URL may take."
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Pushes of one document before it is marked failed."
    )
    outbox_backoff_seconds: float = Field(
        default=10, gt=0, description="Wait after a first failed push; doubled each time, at "
        "most an hour."
    )

    operator_gln: str | None = Field(
        default=None,
        description="The GLN (13 digits) of the organisation this instance runs for: a trading "
        "partner in the ledger whose staff use the web app. `custody demo` sets one up.",
    )

    vault_key_file: Path | None = Field(
        default=None, description="File of the patient-data vault's master keys, one "
        "'id:base64' line each, the last current (`custody vault init` makes it; `custody vault "
        "rotate-master` appends to it)."
    )
    vault_key: SecretStr | None = Field(
        default=None, description="The vault's master keys as 'id:base64' entries, when no "
        "CUSTODY_VAULT_KEY_FILE is set."
    )
    vault_retention_interval_seconds: int = Field(
        default=3600, ge=0, description="How often `custody serve` runs the vault's retention "
        "job (0: only `custody vault retention`)."
    )

    @field_validator("operator_gln")
    @classmethod
    def _valid_gln(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from gs1.errors import GS1Error
        from gs1.identifiers import validate_gln

        try:
            return validate_gln(value.strip())
        except GS1Error as exc:
            raise ValueError(str(exc)) from None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                f"expected a SQLAlchemy URL such as {SUPPORTED_DRIVERS[1]}://user@host/db, got {value!r}"
            ) from None
        driver = url.drivername
        if driver == "postgresql":
            return str(
                url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
            )
        if driver == "sqlite":
            return str(url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False))
        if driver not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"expected a driver among {', '.join(SUPPORTED_DRIVERS)}, got {driver!r}"
            )
        return value

    @field_validator("page_token_secret", "session_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("expected at least 16 characters (secrets.token_urlsafe(32) makes one)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"expected DEBUG, INFO, WARNING or ERROR, got {value!r}")
        return level


def load_settings() -> Settings:
    """Read settings, turning validation failures into one line naming the variable."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CUSTODY_" + str(first["loc"][0]).upper() if first["loc"] else "CUSTODY_*"
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"{name}: {reason}") from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return load_settings()
