"""Ledger storage: log leaves, stored subtree hashes, tree state, checkpoints, custody hops.

Every table here except ``ledger_state`` is append-only (database triggers refuse UPDATE and
DELETE). ``ledger_state`` is the sequencer: one row, locked by each append, holding the
size and frontier of the tree; everything in it can be recomputed from the leaves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only
APPEND_ONLY_TABLES = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints", "custody_hops")


class LedgerState(Base):
    """The tree head the next append extends (single row, ``id = 1``)."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)  # hashes of complete_subtrees(0, size)


class LedgerLeaf(Base):
    """One log entry: canonical leaf data (event hash, record time, partner, hop hashes)."""

    __tablename__ = "ledger_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    event_hash: Mapped[str] = mapped_column(String(100), index=True)


class LedgerNode(Base):
    """The hash of a complete subtree of 2**level leaves (level >= 1; leaves hold level 0)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A signed checkpoint (C2SP signed note) of the tree at ``tree_size``."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustodyHop(Base):
    """One hop of a unit's hash-linked custody chain."""

    __tablename__ = "custody_hops"
    __table_args__ = (UniqueConstraint("unit", "seq"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    unit: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int]
    event_hash: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    from_party: Mapped[str | None] = mapped_column(String(200))
    to_party: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    time: Mapped[datetime]
    prev_hop_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hop_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # No foreign key or index: they would cost a third of append throughput, and
    # `custody verify` proves every hop is listed by the leaf it names.
    leaf_index: Mapped[int] = mapped_column(BigInteger)
