"""API key format: ``ck_<prefix>_<secret>``; only the SHA-256 of the whole key is stored.

>>> key = new_key()
>>> key.plaintext.startswith("ck_" + key.prefix + "_"), len(key.prefix), len(key.digest)
(True, 8, 64)
>>> split_key(key.plaintext) == key.prefix, digest(key.plaintext) == key.digest
(True, True)
>>> split_key("Bearer nonsense") is None
True
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a key may do."""

    CAPTURE = "capture"
    QUERY = "query"
    VERIFY = "verify"
    REPORT = "report"
    ADMIN = "admin"
    REGULATOR = "regulator"


SCOPES = tuple(s.value for s in Scope)
_KEY = re.compile(r"ck_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}")


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: shown once as ``plaintext``; ``prefix`` and ``digest`` are stored."""

    plaintext: str
    prefix: str
    digest: str


def digest(plaintext: str) -> str:
    """Hex SHA-256 of a key."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_key() -> NewKey:
    """A random key with 256 bits of secret."""
    prefix = secrets.token_hex(4)
    plaintext = f"ck_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(plaintext, prefix, digest(plaintext))


def split_key(plaintext: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    match = _KEY.fullmatch(plaintext)
    return match.group(1) if match else None
