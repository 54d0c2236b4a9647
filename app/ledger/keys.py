"""Checkpoint signing keys on disk: ``checkpoint.key`` (private, mode 0600) and ``checkpoint.pub``."""

from __future__ import annotations

import os
from pathlib import Path

from app.errors import ConfigurationError
from app.ledger import core

SIGNER_FILE = "checkpoint.key"
VERIFIER_FILE = "checkpoint.pub"


def generate(key_dir: Path, origin: str, *, force: bool = False) -> str:
    """Write a new Ed25519 key pair named ``origin``; return the verifier key string."""
    key_dir.mkdir(parents=True, exist_ok=True)
    signer_path, verifier_path = key_dir / SIGNER_FILE, key_dir / VERIFIER_FILE
    if signer_path.exists() and not force:
        raise ConfigurationError(
            f"CUSTODY_KEY_DIR: {signer_path} already exists; pass --force to replace it "
            "(checkpoints signed with the old key then need the old public key to verify)"
        )
    signer, verifier = core.generate_signer(origin)
    signer_path.unlink(missing_ok=True)
    fd = os.open(signer_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer + "\n")
    verifier_path.write_text(verifier + "\n")
    return verifier


def load_signer(key_dir: Path) -> str:
    """The private signer key; a clear error when it is missing."""
    return _read(key_dir / SIGNER_FILE, "run `custody keys generate` first")


def load_verifier(key_dir: Path) -> str:
    """The public verifier key."""
    return _read(key_dir / VERIFIER_FILE, "run `custody keys generate` or pass --key")


def _read(path: Path, hint: str) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise ConfigurationError(f"CUSTODY_KEY_DIR: no key at {path}; {hint}") from None
