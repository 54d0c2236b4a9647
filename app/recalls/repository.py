"""SQL for recalls: the records, their lots, and who holds their units now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Recall, RecallLot, TradingPartner, Unit


async def add(session: AsyncSession, recall: Recall, lots: Sequence[str]) -> None:
    session.add(recall)
    await session.flush()
    session.add_all(RecallLot(recall_id=recall.id, lot=lot) for lot in lots)
    await session.flush()


async def recalls(session: AsyncSession, ids: Sequence[int] | None = None,
                  gtin: str | None = None, limit: int = 100) -> list[tuple[Recall, list[str]]]:
    """Recalls (newest first) with their lots."""
    query = select(Recall).order_by(Recall.id.desc()).limit(limit)
    if ids is not None:
        query = query.where(Recall.id.in_(ids))
    if gtin is not None:
        query = query.where(Recall.gtin == gtin)
    found = list(await session.scalars(query))
    lots: dict[int, list[str]] = {}
    if found:
        rows = await session.execute(select(RecallLot.recall_id, RecallLot.lot)
                                     .where(RecallLot.recall_id.in_([r.id for r in found]))
                                     .order_by(RecallLot.lot))
        for rid, lot in rows:
            lots.setdefault(rid, []).append(lot)
    return [(r, lots.get(r.id, [])) for r in found]


async def lot_recalled(session: AsyncSession, gtin: str, lot: str) -> bool:
    """Whether a recall names lot ``lot`` of ``gtin``."""
    query = select(exists().where(RecallLot.recall_id == Recall.id, Recall.gtin == gtin,
                                  RecallLot.lot == lot))
    return bool(await session.scalar(query))


async def units(session: AsyncSession, gtin: str, lots: Sequence[str]) -> list[Unit]:
    """Every unit of ``gtin`` in ``lots``, by id."""
    query = select(Unit).where(Unit.gtin == gtin, Unit.lot.in_(lots)).order_by(Unit.id)
    return list(await session.scalars(query))


async def partner_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    query = select(TradingPartner.id, TradingPartner.legal_name).where(TradingPartner.id.in_(ids))
    return dict((await session.execute(query)).all())
