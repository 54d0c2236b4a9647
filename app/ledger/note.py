"""C2SP signed notes (Ed25519) and tlog checkpoints. Import it through :mod:`app.ledger.core`.

Note format (c2sp.org/signed-note): text ending in a newline, a blank line, then one
or more lines ``— <key name> <base64(4-byte key ID || signature)>``. The key ID of an
Ed25519 key is ``SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]``.

Key strings (the ``golang.org/x/mod/sumdb/note`` convention):
verifier ``<name>+<hex key ID>+<base64(0x01 || public key)>``, signer
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>``.

Checkpoint body (c2sp.org/tlog-checkpoint): origin line, tree size in decimal without
leading zeros, base64 root hash, then optional non-empty extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .merkle import HASH_SIZE, LedgerCoreError

MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
ED25519 = 0x01
_DASH = "\u2014 "
_SIZE = re.compile(r"0|[1-9][0-9]*")


class NoteError(LedgerCoreError):
    """A signed note, key string or checkpoint is malformed or does not verify."""


def _b64decode(text: str, what: str) -> bytes:
    """Decode canonical standard base64 (padding and spare bits exactly as encoded)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical standard base64: {text!r}")
    return raw


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise NoteError(f"key name must be a non-empty string, got {name!r}")
    if "+" in name or any(c.isspace() or c < " " for c in name):
        raise NoteError(f"key name must not contain spaces, control characters or '+': {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4].

    >>> public = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")[1:]
    >>> key_id("example.com/foo", public).hex()  # the c2sp.org/signed-note example key
    '530d903a'
    """
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key: name, key ID and Ed25519 public key bytes."""

    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        blob = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"


def _parse_key(parts: list[str], what: str, text: str) -> tuple[str, bytes, bytes]:
    if len(parts) != 3:
        raise NoteError(f"{what} must look like <name>+<hex key ID>+<base64 key>, got {text!r}")
    name, hex_id, blob = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"{what} key ID must be 8 lowercase hex digits, got {hex_id!r}")
    raw = _b64decode(blob, f"{what} key")
    if len(raw) != 33 or raw[0] != ED25519:
        raise NoteError(
            f"{what} key must be 0x01 followed by 32 bytes (Ed25519), got {len(raw)} bytes"
            + (f" of type 0x{raw[0]:02x}" if raw else "")
        )
    return name, bytes.fromhex(hex_id), raw[1:]


def parse_verifier(vkey: str) -> Verifier:
    """Parse a verifier key string and check its key ID.

    >>> v = parse_verifier("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    >>> v.name, v.key_id.hex()
    ('example.com/foo', '530d903a')
    """
    name, kid, public = _parse_key(vkey.strip().split("+", 2), "verifier", vkey)
    want = key_id(name, public)
    if kid != want:
        raise NoteError(
            f"verifier key ID {kid.hex()} does not match its key (expected {want.hex()})"
        )
    return Verifier(name, kid, public)


def _parse_signer(skey: str) -> tuple[str, bytes, Ed25519PrivateKey]:
    parts = skey.strip().split("+", 4)
    if parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("signer key must start with 'PRIVATE+KEY+'")
    name, kid, seed = _parse_key(parts[2:], "signer", "PRIVATE+KEY+...")
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if kid != key_id(name, public):
        raise NoteError(f"signer key ID {kid.hex()} does not match its key")
    return name, kid, private


def generate_signer(name: str) -> tuple[str, str]:
    """Make a new Ed25519 key; return ``(signer key string, verifier key string)``.

    >>> skey, vkey = generate_signer("custody.example/log")
    >>> skey.startswith("PRIVATE+KEY+custody.example/log+"), parse_verifier(vkey).name
    (True, 'custody.example/log')
    """
    _check_name(name)
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = key_id(name, public).hex()
    blob = base64.b64encode(bytes([ED25519]) + seed).decode()
    return f"PRIVATE+KEY+{name}+{kid}+{blob}", str(Verifier(name, bytes.fromhex(kid), public))


def _check_text(text: str, what: str) -> None:
    if any(c < " " and c != "\n" for c in text):
        raise NoteError(f"{what} contains an ASCII control character other than newline")
    try:
        text.encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: a note is UTF-8 text
        raise NoteError(f"{what} is not valid UTF-8 text: {exc.reason} at {exc.start}") from None


def sign_note(text: str, signer_key: str) -> str:
    """Sign note ``text`` (must end in a newline); return the signed note.

    >>> skey, vkey = generate_signer("example.com/a")
    >>> open_note(sign_note("hello\\n", skey), vkey)
    'hello\\n'
    """
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text(text, "note text")
    name, kid, private = _parse_signer(signer_key)
    sig = base64.b64encode(kid + private.sign(text.encode())).decode()
    return f"{text}\n{_DASH}{name} {sig}\n"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


def parse_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into text and signature lines, checking only its form.

    >>> text, sigs = parse_note("hi\\n\\n\u2014 k AAAAAAE=\\n")
    >>> text, sigs[0].name, sigs[0].key_id.hex(), sigs[0].signature
    ('hi\\n', 'k', '00000000', b'\\x01')
    """
    if isinstance(note, bytes | bytearray):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError(f"note is {len(note)} bytes, more than the {MAX_NOTE_BYTES} allowed")
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError(f"note is not valid UTF-8 (byte {exc.start})") from None
    else:
        try:
            size = len(note.encode("utf-8"))
        except UnicodeEncodeError:
            raise NoteError("note is not valid UTF-8 (lone surrogate)") from None
        if size > MAX_NOTE_BYTES:
            raise NoteError(f"note is {size} bytes, more than the {MAX_NOTE_BYTES} allowed")
    _check_text(note, "note")
    if not note.endswith("\n"):
        raise NoteError("note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line between text and signatures")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if lines == [""]:
        raise NoteError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than the {MAX_SIGNATURES} allowed")
    sigs = []
    for n, line in enumerate(lines, 1):
        parts = line[len(_DASH) :].split(" ") if line.startswith(_DASH) else []
        if len(parts) != 2:
            raise NoteError(
                f"signature line {n} must be '\u2014 <key name> <base64 signature>', got {line!r}"
            )
        _check_name(parts[0])
        raw = _b64decode(parts[1], f"signature line {n}")
        if len(raw) < 5:
            raise NoteError(f"signature line {n} decodes to {len(raw)} bytes, expected at least 5")
        sigs.append(NoteSignature(parts[0], raw[:4], raw[4:]))
    return text, sigs


def open_note(note: str | bytes, verifier_key: str) -> str:
    """Verify a signed note against one verifier key; return its text.

    Signatures from other keys are ignored (witness cosignatures, key rotation); a
    signature from this key that fails, or no signature from it, rejects the note.
    """
    verifier = parse_verifier(verifier_key)
    text, sigs = parse_note(note)
    public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    found = False
    for sig in sigs:
        if (sig.name, sig.key_id) != (verifier.name, verifier.key_id):
            continue
        try:
            public.verify(sig.signature, text.encode())
        except InvalidSignature:
            raise NoteError(
                f"signature by {verifier.name}+{verifier.key_id.hex()} does not verify"
            ) from None
        found = True
    if not found:
        raise NoteError(f"note has no signature by {verifier.name}+{verifier.key_id.hex()}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A transparency-log checkpoint: origin, tree size, root hash, extension lines.

    >>> cp = Checkpoint("example.com/log", 2, bytes(32))
    >>> print(cp.body(), end="")
    example.com/log
    2
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
    >>> Checkpoint.parse(cp.body()) == cp
    True
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in [("origin", self.origin), *(("extension", e) for e in self.extensions)]:
            if not isinstance(line, str) or not line or "\n" in line:
                raise NoteError(f"checkpoint {what} must be one non-empty line, got {line!r}")
            _check_text(line, f"checkpoint {what}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise NoteError(f"checkpoint size must be an integer >= 0, got {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise NoteError(
                f"checkpoint root hash must be {HASH_SIZE} bytes, got {self.root_hash!r}"
            )
        object.__setattr__(self, "extensions", tuple(self.extensions))

    def body(self) -> str:
        """Return the note text: origin, size, base64 root hash, extensions, each + newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint note text (not verified: use :func:`open_checkpoint`)."""
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError(
                "checkpoint must be at least 3 lines (origin, size, root hash),"
                " each ending in a newline"
            )
        origin, size, root_b64, *extensions = lines[:-1]
        if not _SIZE.fullmatch(size):
            raise NoteError(f"checkpoint size must be decimal without leading zeros, got {size!r}")
        root_hash = _b64decode(root_b64, "checkpoint root hash")
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer_key: str) -> str:
    """Return the checkpoint as a signed note.

    >>> skey, vkey = generate_signer("example.com/log")
    >>> cp = Checkpoint("example.com/log", 7, bytes(range(32)), ("t 1700000000",))
    >>> open_checkpoint(sign_checkpoint(cp, skey), vkey) == cp
    True
    """
    return sign_note(checkpoint.body(), signer_key)


def open_checkpoint(note: str | bytes, verifier_key: str) -> Checkpoint:
    """Verify a signed checkpoint note against ``verifier_key`` and parse its body."""
    return Checkpoint.parse(open_note(note, verifier_key))
