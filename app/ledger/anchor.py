"""The last signed checkpoint, kept outside the database: what detects a rolled-back log.

Whoever can write the database can delete the log's tail together with the checkpoints
above it; what is left is a smaller log that verifies. ``checkpoint.latest`` beside the
signing key holds the newest note ``custody checkpoint`` and the scheduler signed, and
``custody verify`` checks the log still extends it. It cannot help against someone who
also replaces that file with an older note, or who holds the signing key (see the decision
record on insider edits and rolled-back logs).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from app.ledger import core

LATEST_FILE = "checkpoint.latest"

Difference = tuple[str, str, str, str, str]
"""``(table, row, expected, found, message)``, as verify reports a mismatch."""


def remember(key_dir: Path, note: str) -> None:
    """Keep ``note`` as the latest signed checkpoint unless a larger one is kept already.

    Written to a temporary file and renamed, so a reader sees the old note or the new one.
    """
    path = key_dir / LATEST_FILE
    kept = _size(path.read_text()) if path.exists() else -1
    if _size(note) < kept:
        return
    temporary = path.with_suffix(".tmp")
    temporary.write_text(note)
    os.replace(temporary, path)


def latest(key_dir: Path) -> str | None:
    """The latest signed checkpoint kept, or None when none was signed here."""
    path = key_dir / LATEST_FILE
    return path.read_text() if path.exists() else None


def check(
    note: str, verifier_key: str | None, size: int, root_at: Callable[[int], bytes]
) -> Difference | None:
    """How a log of ``size`` leaves (``root_at(n)``: its root at ``n``) fails to extend ``note``.

    >>> skey, vkey = core.generate_signer("log")
    >>> note = core.sign_checkpoint(core.Checkpoint("log", 2, bytes(32)), skey)
    >>> check(note, vkey, 2, lambda n: bytes(32)) is None
    True
    >>> check(note, vkey, 1, lambda n: bytes(32))[4]
    'the log holds fewer leaves than the last signed checkpoint: it was rolled back'
    """
    where = (LATEST_FILE, "latest")
    if verifier_key is None:
        return (*where, "a verifier key", "none",
                "a signed checkpoint is kept but no public key was given (--key)")
    try:
        signed = core.open_checkpoint(note, verifier_key)
    except core.LedgerCoreError as exc:
        return (*where, "a note signed by the given key", str(exc), "signature does not verify")
    if size < signed.size:
        return (*where, f"size >= {signed.size}", f"size {size}",
                "the log holds fewer leaves than the last signed checkpoint: it was rolled back")
    if (root := root_at(signed.size)) != signed.root_hash:
        return (*where, signed.root_hash.hex(), root.hex(),
                f"the log at size {signed.size} differs from the last signed checkpoint")
    return None


def _size(note: str) -> int:
    """The tree size ``note`` claims (-1 when it is not a checkpoint: replace it)."""
    try:
        return core.Checkpoint.parse(core.parse_note(note)[0]).size
    except core.LedgerCoreError:
        return -1
