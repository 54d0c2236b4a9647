"""The cold-chain panel of the shipment and case pages: the chart, the same in words, and
each unit's verdict (``templates/_coldchain.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.coldchain import shipments
from app.coldchain.shipments import Group
from app.investigations import service as investigations


@dataclass(frozen=True)
class Panel:
    """What ``_coldchain.html`` shows: ``chart`` is None when nothing was measured;
    ``investigations`` the status of each investigation an excursion opened."""

    group: Group
    chart: Markup | None
    summary: str
    investigations: dict[int, str]

    @property
    def cleared(self) -> bool:
        """An excursion beyond budget whose every investigation QA has cleared."""
        opened = [u.investigation_id for u in self.group.units if u.verdict == "excursion"]
        return bool(opened) and all(i is not None and self.investigations.get(i) == "cleared"
                                    for i in opened)


async def panel(session, group: Group) -> Panel:
    drawn = shipments.chart(group)
    ids = sorted({u.investigation_id for u in group.units if u.investigation_id})
    return Panel(group, None if drawn is None else Markup(drawn),  # noqa: S704 - our own SVG
                 shipments.summary(group),
                 {i: (await investigations.get(session, i)).status.value for i in ids})


async def of_shipment(session, shipment_id: int) -> Panel:
    return await panel(session, await shipments.of_shipment(session, shipment_id))


async def of_case(session, case) -> Panel:
    return await panel(session, await shipments.of_case(session, case))
