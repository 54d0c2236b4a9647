"""The browser tests' server: ``custody demo`` on a fresh SQLite database, optionally with a
vault key and fresh vials in the operator's stock, read back from its printout."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.db import create_engine, session_factory
from app.demo import OPERATOR, STAFF_USER, ingest
from app.shipments.demo import stock_documents
from tests.process import custody


@dataclass(frozen=True)
class Demo:
    """The demo's settings (environment variables for ``serving``) and what it printed."""

    settings: dict[str, str]
    printout: str

    def printed(self, pattern: str) -> str:
        """The first group of ``pattern`` in the printout (the test fails if it is not there)."""
        found = re.search(pattern, self.printout)
        assert found, f"{pattern!r} not in the demo's printout"
        return found.group(1)

    @property
    def password(self) -> str:
        """The demo pharmacist's password."""
        return self.printed(rf"{STAFF_USER}, password \(shown once\): (\S+)")


def demo(root: Path, vials: Sequence[str] = (), vault: bool = False) -> Demo:
    """Run ``custody demo --no-serve`` in ``root`` as the operator (with a vault master key file
    when ``vault``), then stock ``vials`` at the operator (150 hours ago)."""
    settings = {"CUSTODY_DATABASE_URL": f"sqlite+aiosqlite:///{root / 'custody.db'}",
                "CUSTODY_OPERATOR_GLN": OPERATOR.gln, "CUSTODY_KEY_DIR": str(root / "keys")}
    if vault:
        settings["CUSTODY_VAULT_KEY_FILE"] = str(root / "vault.keys")
        assert custody("vault", "init", str(root / "vault.keys"), **settings).returncode == 0
    made = custody("demo", "--no-serve", timeout=300, **settings)
    assert made.returncode == 0, made.stderr
    if vials:
        async def stock() -> None:
            engine = create_engine(settings["CUSTODY_DATABASE_URL"])
            await ingest(session_factory(engine), stock_documents(tuple(vials), hours=150))
            await engine.dispose()

        asyncio.run(stock())
    return Demo(settings, made.stdout)
