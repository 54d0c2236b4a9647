"""A pallet of ``cases`` x ``units`` stored directly (no events): for timing the expansion."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from app.bulk import insert_rows
from app.dialect import is_postgresql
from app.models import Unit, UnitStatus


async def pallet_of(session, cases: int, units: int, prefix: str = "0399999") -> str:
    """Store the pallet, its cases and their units (shipped); return the pallet's EPC URN."""
    now = datetime.now(UTC)

    def row(identifier: str, kind: str, parent: int | None, **key) -> dict:
        return {"identifier": identifier, "kind": kind, "status": UnitStatus.SHIPPED,
                "parent_id": parent, "updated_at": now, "gtin": None, "serial": None,
                "sscc": None, **key}

    def sscc(n: int) -> tuple[str, str]:
        return f"urn:epc:id:sscc:{prefix}.{n:010d}", f"0{prefix}{n:010d}"[:18]

    top, digits = sscc(0)
    await insert_rows(session, Unit.__table__, [row(top, "sscc", None, sscc=digits)])
    pallet = await session.scalar(select(Unit.id).where(Unit.identifier == top))
    await insert_rows(session, Unit.__table__, [
        row(sscc(c)[0], "sscc", pallet, sscc=sscc(c)[1]) for c in range(1, cases + 1)])
    ids = (await session.execute(select(Unit.id).where(Unit.parent_id == pallet))).scalars().all()
    await insert_rows(session, Unit.__table__, [
        row(f"urn:epc:id:sgtin:{prefix}.012345.{case}-{n}", "sgtin", case,
            gtin="00399999123459", serial=f"{case}-{n}")
        for case in ids for n in range(units)])
    if is_postgresql(session):
        await session.execute(text("ANALYZE units"))  # as autovacuum would have by now
    return top
