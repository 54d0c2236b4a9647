"""The cold-chain panel of the shipment and case pages: the chart, the same in words, and
each unit's verdict (``templates/_coldchain.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.coldchain import shipments
from app.coldchain.shipments import Group


@dataclass(frozen=True)
class Panel:
    """What ``_coldchain.html`` shows: ``chart`` is None when nothing was measured."""

    group: Group
    chart: Markup | None
    summary: str


def panel(group: Group) -> Panel:
    drawn = shipments.chart(group)
    return Panel(group, None if drawn is None else Markup(drawn),  # noqa: S704 - our own SVG
                 shipments.summary(group))


async def of_shipment(session, shipment_id: int) -> Panel:
    return panel(await shipments.of_shipment(session, shipment_id))


async def of_case(session, case) -> Panel:
    return panel(await shipments.of_case(session, case))
