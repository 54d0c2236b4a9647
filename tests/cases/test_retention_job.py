"""``custody serve`` runs the vault's retention job itself (and logs it, without data)."""

from __future__ import annotations

import asyncio

from app.background import running
from app.vault import scheduler


async def test_the_server_runs_retention_on_a_timer(sessions, settings, capfd, root_handlers):
    from app.logging import configure_logging

    configure_logging("INFO", True)
    async with running([scheduler.loop(sessions, settings.model_copy(
            update={"vault_retention_interval_seconds": 3600}))]):
        await asyncio.sleep(0.5)
    assert '"event": "vault retention ran"' in capfd.readouterr().err
    assert scheduler.loop(sessions, settings.model_copy(
        update={"vault_retention_interval_seconds": 0})) is None
