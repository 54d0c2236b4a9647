"""``custody demo``'s adverse event: one report on the delivered case's first vial."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adverse import service
from app.models import AdverseEvent, Case, CaseStatus
from app.models.base import utcnow
from app.vault.service import Reader


async def adverse_demo(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Record the report once; the line ``custody demo`` prints about it."""
    from app.demo import ACTOR, VIALS

    async with sessions.begin() as session:
        case = await session.scalar(select(Case).where(
            Case.created_by == ACTOR, Case.status == CaseStatus.DELIVERED).limit(1))
        if case is None:
            return ""
        event = await session.scalar(select(AdverseEvent).where(AdverseEvent.case_id == case.id)
                                     .order_by(AdverseEvent.id).limit(1))
        if event is None:
            event = await service.record(session, case.ref, service.AdverseSpec(
                "Dr. Demo Reporter (fictional)", "physician", utcnow().date() - timedelta(days=1),
                "serious", "Demo: infusion reaction after the second dose (fictional)",
                "recovering", ("hospitalisation",), identifier=VIALS[0]),
                Reader(ACTOR, frozenset({"admin"})))
        return (f"\nadverse event #{event.id} on case {case.ref} (serious, hospitalisation): "
                f"/adverse-events/{event.id} and its E2B(R3) product block "
                f"/adverse-events/{event.id}/e2b?format=json|xml (API, the demo key); `custody adverse "
                f"e2b {event.id} --format xml`")
