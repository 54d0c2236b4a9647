"""The operator's staff accounts and its scan stations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class StaffRole(StrEnum):
    """What a staff member does; any active account may scan and verify."""

    PICKER = "picker"
    RECEIVER = "receiver"
    PHARMACIST = "pharmacist"
    QA = "qa"
    ADMIN = "admin"


class StaffUser(Base):
    """A person working for the operator. Only an argon2 hash of the password is kept.

    ``failed_logins`` counts wrong passwords since the last good one; reaching the limit sets
    ``locked_until`` (see ``app.staff.service``). A disabled account cannot sign in.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanStation(Base):
    """A named place where staff scan, at one of the operator's sites (a location's SGLN)."""

    __tablename__ = "scan_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
