"""Trading partners, their identifiers and licences, and their locations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, str_enum, utcnow


class PartnerKind(StrEnum):
    """DSCSA trading-partner roles (plus the foreign recipient of a named-patient shipment)."""

    MANUFACTURER = "manufacturer"
    REPACKAGER = "repackager"
    WHOLESALER = "wholesaler"
    DISPENSER = "dispenser"
    THIRD_PARTY_LOGISTICS = "3pl"
    FOREIGN_RECIPIENT = "foreign_recipient"


class Address:
    """Postal address columns shared by partners and locations."""

    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")


class TradingPartner(Address, Base):
    """A business Custody exchanges product or data with."""

    __tablename__ = "trading_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind))
    authorized: Mapped[bool] = mapped_column(default=False)
    # What a capture does with events that contradict custody: "rollback" rejects the whole
    # document, "proceed" accepts it and records the contradictions as exceptions.
    exception_policy: Mapped[str] = mapped_column(
        String(10), default="rollback", server_default="rollback"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the operator pushes the EPCIS documents of what it ships to this partner (its
    # EPCIS capture endpoint), and the bearer key that endpoint gave the operator (never shown).
    capture_url: Mapped[str | None] = mapped_column(String(500))
    capture_token: Mapped[str | None] = mapped_column(String(500))

    glns: Mapped[list[PartnerGln]] = relationship(back_populates="partner", lazy="raise")
    prefixes: Mapped[list[CompanyPrefix]] = relationship(back_populates="partner", lazy="raise")
    licences: Mapped[list[Licence]] = relationship(back_populates="partner", lazy="raise")
    locations: Mapped[list[Location]] = relationship(back_populates="partner", lazy="raise")
    # Brand owners this partner commissions for (a contract manufacturer or packager acting
    # as the manufacturer's agent may commission units under the owner's company prefix).
    principals: Mapped[list[TradingPartner]] = relationship(
        secondary="partner_agents",
        primaryjoin="TradingPartner.id == PartnerAgent.agent_id",
        secondaryjoin="TradingPartner.id == PartnerAgent.principal_id",
        lazy="raise",
    )

    def not_authorized_because(self, day: date) -> str | None:
        """Why the partner may not trade on ``day``, or None when it may (licences loaded).

        It may when the operator authorized it and it holds a licence valid that day: the
        rule capture applies (``app.ingest.service``).
        """
        reasons = [] if self.authorized else ["authorization withdrawn by the operator"]
        if not any(x.is_valid_on(day) for x in self.licences):
            reasons.append(f"no licence valid on {day.isoformat()}")
        return "; ".join(reasons) or None


class PartnerAgent(Base):
    """``agent_id`` acts for brand owner ``principal_id`` (commissions under its prefixes)."""

    __tablename__ = "partner_agents"

    agent_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), primary_key=True)
    principal_id: Mapped[int] = mapped_column(
        ForeignKey("trading_partners.id"), primary_key=True, index=True
    )


class PartnerGln(Base):
    """A party GLN (PGLN) identifying a trading partner in EPCIS source/destination lists."""

    __tablename__ = "partner_glns"

    gln: Mapped[str] = mapped_column(String(13), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)

    partner: Mapped[TradingPartner] = relationship(back_populates="glns", lazy="raise")


class CompanyPrefix(Base):
    """A GS1 Company Prefix a partner holds: the brand owner of every GTIN and SSCC under it.

    Held prefixes are prefix-free (none starts another), as GS1 allocates them, so each GTIN
    or SSCC has at most one owner and one EPC partition (see ``app/partners/service.py``).
    """

    __tablename__ = "company_prefixes"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)

    partner: Mapped[TradingPartner] = relationship(back_populates="prefixes", lazy="raise")


class Licence(Base):
    """A state licence or federal registration, valid between two dates."""

    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("kind", "jurisdiction", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    number: Mapped[str] = mapped_column(String(100))
    jurisdiction: Mapped[str] = mapped_column(String(50))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    partner: Mapped[TradingPartner] = relationship(back_populates="licences", lazy="raise")

    def is_valid_on(self, day: date) -> bool:
        """True when the licence covers ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Location(Address, Base):
    """A physical place (SGLN) owned by a trading partner."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    gln: Mapped[str] = mapped_column(String(13), index=True)
    sgln: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)

    partner: Mapped[TradingPartner] = relationship(back_populates="locations", lazy="raise")
