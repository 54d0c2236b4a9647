"""PURE: the vault's keys and seals. AES-256-GCM everywhere (``cryptography``).

A case's data is sealed under its own 256-bit data key; the data key is sealed (wrapped) under
a master key named by its id. Every seal binds its context as associated data, so a sealed
record or key moved to another case, kind or master key fails to open.

>>> ring = parse_keyring("mk-a:" + "A" * 43 + "=")
>>> key = new_data_key()
>>> unwrap(ring, "mk-a", wrap(ring.current, key, "C-1"), "C-1") == key
True
>>> open_sealed(key, seal(key, b"hello", "C-1/patient"), "C-1/patient")
b'hello'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


class SealBroken(Exception):
    """A seal did not open: wrong key, wrong context or altered bytes."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes

    def line(self) -> str:
        """``id:base64`` as a key file holds it."""
        return f"{self.id}:{base64.b64encode(self.key).decode()}"


@dataclass(frozen=True)
class Keyring:
    """Master keys by id; the last one is current (new and re-wrapped keys use it)."""

    keys: tuple[MasterKey, ...]

    @property
    def current(self) -> MasterKey:
        return self.keys[-1]

    def get(self, key_id: str) -> MasterKey | None:
        return next((k for k in self.keys if k.id == key_id), None)


def parse_keyring(text: str) -> Keyring:
    """Master keys from ``id:base64`` entries separated by whitespace or commas (never quoting
    a key in an error).

    >>> parse_keyring("x")
    Traceback (most recent call last):
    ValueError: vault master key 1: expected 'id:base64 of 32 bytes', got no ':'
    """
    keys = []
    for n, entry in enumerate(re.split(r"[\s,]+", text.strip()), 1):
        key_id, sep, encoded = entry.partition(":")
        if not sep:
            raise ValueError(f"vault master key {n}: expected 'id:base64 of 32 bytes', got no ':'")
        if not KEY_ID.fullmatch(key_id):
            raise ValueError(f"vault master key {n}: expected an id of 1-32 letters, digits, "
                             f"'.', '_' or '-', got {key_id[:40]!r}")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            key = b""
        if len(key) != 32:
            raise ValueError(f"vault master key {n} ({key_id}): expected base64 of 32 bytes, "
                             f"got {len(key)} bytes")
        keys.append(MasterKey(key_id, key))
    if not keys or not keys[0].id:
        raise ValueError("vault master key: expected at least one 'id:base64' entry, got none")
    return Keyring(tuple(keys))


def new_master_key(now: datetime | None = None) -> MasterKey:
    """A fresh master key, its id made of the date and 4 random bytes (``mk-20261206-1a2b3c4d``)."""
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    return MasterKey(f"mk-{day}-{secrets.token_hex(4)}", AESGCM.generate_key(256))


def new_data_key() -> bytes:
    return AESGCM.generate_key(256)


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    """``nonce || AES-GCM(key, plaintext, aad=context)`` with a random 96-bit nonce."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def open_sealed(key: bytes, sealed: bytes, context: str) -> bytes:
    """The plaintext of :func:`seal`, or :class:`SealBroken`."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], context.encode())
    except (InvalidTag, ValueError):
        raise SealBroken(f"seal for {context.split('/')[0]} did not open") from None


def wrap(master: MasterKey, data_key: bytes, case_ref: str) -> bytes:
    """``data_key`` sealed under ``master`` for case ``case_ref``."""
    return seal(master.key, data_key, f"{case_ref}/data-key/{master.id}")


def unwrap(ring: Keyring, key_id: str, wrapped: bytes, case_ref: str) -> bytes:
    """The data key :func:`wrap` sealed under master key ``key_id`` (:class:`KeyError` when the
    keyring lacks it)."""
    master = ring.get(key_id)
    if master is None:
        raise KeyError(key_id)
    return open_sealed(master.key, wrapped, f"{case_ref}/data-key/{key_id}")


def pack_document(filename: str, media_type: str, content: bytes) -> bytes:
    """A document's name and type (JSON) and bytes as one plaintext: 4-byte header length first.

    >>> unpack_document(pack_document("a.pdf", "application/pdf", b"%PDF"))
    ('a.pdf', 'application/pdf', b'%PDF')
    """
    header = json.dumps({"filename": filename, "media_type": media_type}).encode()
    return struct.pack(">I", len(header)) + header + content


def unpack_document(plaintext: bytes) -> tuple[str, str, bytes]:
    (size,) = struct.unpack(">I", plaintext[:4])
    header = json.loads(plaintext[4:4 + size])
    return header["filename"], header["media_type"], plaintext[4 + size:]


def commitment(salt: bytes, case_ref: str, name: str, birth_date: str) -> str:
    """HMAC-SHA256 under the case's secret salt of the case reference and the patient's name and
    date of birth: proves the tie when the salt is shown, reveals nothing without it (and nothing
    ever once the salt is shredded).

    >>> len(commitment(b"s" * 32, "C-1", "A B", "2000-01-01"))
    64
    """
    message = "\x00".join(("custody-case-commitment/v1", case_ref, " ".join(name.split()).lower(),
                           birth_date))
    return hmac.new(salt, message.encode(), hashlib.sha256).hexdigest()
