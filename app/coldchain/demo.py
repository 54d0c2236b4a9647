"""``custody demo``'s cold chain: Zenterva stored at 2..8 °C with a 30-minute budget, and a
carrier's logger file on the demo's shipped SSCC (or a vial) with a short excursion within it,
and the same file on the shipped named-patient case's vials, so both pages show a chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.service import links
from app.coldchain.service import operator_or_none, upload
from app.config import Settings
from app.models import Case, CaseStatus, ShipmentCase, Unit
from app.products.service import set_storage

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEMPERATURES = (4.8, 5.1, 5.0, 9.2, 5.6, 5.2, 4.9, 5.0, 5.1, 5.0)
"""Every 15 minutes: one reading at 9.2 °C, 15 minutes outside 2..8 °C."""


def logger_csv() -> str:
    rows = (f"{(START + timedelta(minutes=15 * i)).isoformat()},{c}"
            for i, c in enumerate(TEMPERATURES))
    return "time,temperature\n" + "\n".join(rows) + "\n"


async def _target(session: AsyncSession, fallback: str) -> tuple[str, int | None]:
    shipped = (await session.execute(select(Unit.identifier, ShipmentCase.shipment_id).join(
        ShipmentCase, ShipmentCase.sscc == Unit.sscc).order_by(ShipmentCase.id).limit(1))).first()
    return (shipped[0], shipped[1]) if shipped else (fallback, None)


async def cold_chain(sessions: async_sessionmaker[AsyncSession], settings: Settings,
                     gtin: str, fallback: str, actor: str) -> str:
    """Set the range, upload the logger file; the line ``custody demo`` prints."""
    async with sessions.begin() as session:
        await set_storage(session, gtin, 2, 8, 30)
        target, shipment = await _target(session, fallback)
        found = await upload(session, target, logger_csv().encode(), "text/csv", actor, None,
                             await operator_or_none(session, settings.operator_gln))
    outside = found.assessment.outside.total_seconds() / 60
    return (f"cold chain: Zenterva stored at 2..8 °C, 30 min budget; a logger on {target}: "
            f"{found.verdict}, {outside:g} min outside; see /coldchain/units/"
            f"{quote(target, safe=':')} (?format=svg for the chart) and "
            f"/staff/units?id={quote(target, safe='')}" + (
                f"\n  the shipment's temperature chart (its SSCCs and units): /shipping/{shipment} "
                f"(GET /shipments/{shipment}/coldchain, ?format=svg)" if shipment else ""))


async def case_chart(sessions: async_sessionmaker[AsyncSession], settings: Settings,
                     actor: str) -> str:
    """The logger file on the shipped demo case's vials; the line ``custody demo`` prints."""
    async with sessions.begin() as session:
        case = await session.scalar(select(Case).where(
            Case.created_by == actor, Case.status == CaseStatus.SHIPPED).order_by(Case.id))
        if case is None:
            return ""
        op = await operator_or_none(session, settings.operator_gln)
        for link in await links(session, case):
            for vial in link.identifiers:
                await upload(session, vial, logger_csv().encode(), "text/csv", actor, None, op)
    return f"\n  the shipped case's temperature chart: /staff/cases/{case.ref} (its vials' logger)"
