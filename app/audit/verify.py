"""``custody verify``'s audit stage: every entry must hash to the leaf that logs it.

An entry's stored fields (who, what, when, from where) are recomputed into its hash, which
must be both its ``entry_hash`` and the event hash of leaf ``leaf_index``; and the log must
hold no audit leaf without its entry (a deleted row).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import entry
from app.audit import repository as repo
from app.bulk import keyset_pages
from app.ledger.core import LedgerCoreError
from app.ledger.unit_state import Difference
from app.models import AuditRecord

PAGE = 5_000


async def first_difference(
    session: AsyncSession, tick: Callable[[int], None] | None = None
) -> tuple[int, Difference | None]:
    """Check every audit entry; return how many held and the first that does not, if any."""
    done = 0
    async for page in keyset_pages(session, repo.ROWS, AuditRecord.id, PAGE):
        leaves = await repo.leaf_hashes(session, [row.leaf_index for row in page])
        for row in page:
            where = f"{row.id} ({row.action} {row.object})"
            try:
                computed = entry.entry_hash(entry.canonical(
                    row.at, row.actor, row.partner_id, row.action, row.object, row.client,
                    row.request_id))
            except LedgerCoreError as bad:  # a time edited out of millisecond precision
                return done, ("audit_trail", where, "an entry the log can hash", str(bad),
                              "stored audit entry cannot be hashed")
            if computed != row.entry_hash:
                return done, ("audit_trail", where, computed, row.entry_hash,
                              "stored audit entry does not hash to its entry_hash")
            if leaves.get(row.leaf_index) != computed:
                return done, ("audit_trail", where, computed,
                              leaves.get(row.leaf_index, "no leaf"),
                              f"leaf {row.leaf_index} does not log this audit entry")
            done += 1
        if tick:
            tick(done)
    logged = await repo.audit_leaves(session, entry.SUFFIX)
    if logged != done:
        return done, ("audit_trail", "(all)", f"{logged} entries", f"{done} entries",
                      "the log records audit entries the table no longer holds")
    return done, None
