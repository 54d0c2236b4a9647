"""C2SP signed notes and checkpoints: the spec's examples, round trips, rejections."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger import core
from tests.corpus import corpus_path

SKEY, VKEY = core.generate_signer("custody.example/log")


def _note_vectors() -> dict:
    path = corpus_path("merkle", "c2sp-signed-note", "c2sp-note-vectors.json")
    return {c["note_file"]: c for c in json.loads(path.read_text())["cases"]}


def _note(name: str) -> bytes:
    return corpus_path("merkle", "c2sp-signed-note", name).read_bytes()


def test_spec_example_note_verifies_with_its_key():
    case = _note_vectors()["signed-note-example.txt"]
    vkey = corpus_path("merkle", "c2sp-signed-note", "signed-note-example.vkey").read_text()
    assert vkey.strip() == case["vkey"]
    verifier = core.parse_verifier(vkey)
    assert (verifier.name, verifier.key_id.hex()) == (case["key_name"], case["key_id_hex"])
    assert str(verifier) == case["vkey"]
    assert core.open_note(_note("signed-note-example.txt"), vkey) == case["signed_text"]
    assert core.open_note(_note("signed-note-example.txt").decode(), vkey) == case["signed_text"]


def test_spec_example_note_with_changed_text_fails():
    vkey = _note_vectors()["signed-note-example.txt"]["vkey"]
    tampered = _note("signed-note-example.txt").replace(b"example", b"Example", 1)
    with pytest.raises(core.NoteError) as err:
        core.open_note(tampered, vkey)
    assert str(err.value) == "signature by example.com/foo+530d903a does not verify"


def test_spec_checkpoint_example_parses():
    case = _note_vectors()["tlog-checkpoint-example.txt"]
    text, sigs = core.parse_note(_note("tlog-checkpoint-example.txt"))
    cp = core.Checkpoint.parse(text)
    assert (cp.origin, cp.size, cp.extensions) == (case["origin"], case["tree_size"], ())
    assert base64.b64encode(cp.root_hash).decode() == case["root_hash_b64"]
    assert cp.body() == text
    assert [s.name for s in sigs] == [case["origin"]] and len(sigs) == case["signatures"]
    assert len(sigs[0].signature) == 64
    with pytest.raises(core.NoteError) as err:  # its key is not published: ours is unknown there
        core.open_checkpoint(_note("tlog-checkpoint-example.txt"), VKEY)
    assert str(err.value).startswith("note has no signature by custody.example/log+")


def test_spec_cosignature_example_parses_both_lines():
    case = _note_vectors()["tlog-cosignature-example.txt"]
    text, sigs = core.parse_note(_note("tlog-cosignature-example.txt"))
    assert len(sigs) == case["signatures"] == 2
    assert [s.name for s in sigs] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    assert len(sigs[1].signature) == 8 + 64  # timestamp || Ed25519 signature
    assert core.Checkpoint.parse(text).size == 20852163


def test_checkpoint_round_trip_and_foreign_signatures_are_ignored():
    cp = core.Checkpoint("custody.example/log", 1000000, bytes(range(32)), ("time 1763890000",))
    note = core.sign_checkpoint(cp, SKEY)
    body, sig_line = note.split("\n\n")
    assert body + "\n" == cp.body()
    assert sig_line.startswith("\u2014 custody.example/log ") and sig_line.endswith("\n")
    witness_skey, _ = core.generate_signer("witness.example/w1")
    cosigned = core.sign_note(cp.body(), witness_skey).split("\n\n")[1]
    assert core.open_checkpoint(note + cosigned, VKEY) == cp
    assert core.open_checkpoint(note.encode(), VKEY) == cp


@settings(max_examples=50)
@given(
    st.text(st.characters(min_codepoint=0x20, exclude_characters="\n", exclude_categories=["Cs"]),
            min_size=1, max_size=40),
    st.integers(0, 2**64),
    st.binary(min_size=32, max_size=32),
    st.integers(0, 511),
)
def test_signed_checkpoints_round_trip_and_any_flipped_signature_bit_fails(origin, size, root, bit):
    cp = core.Checkpoint(origin, size, root)
    note = core.sign_checkpoint(cp, SKEY)
    assert core.open_checkpoint(note, VKEY) == cp
    text, sigs = core.parse_note(note)
    raw = bytearray(sigs[0].key_id + sigs[0].signature)
    raw[4 + bit // 8] ^= 1 << (bit % 8)
    bad = text + "\n\u2014 custody.example/log " + base64.b64encode(bytes(raw)).decode() + "\n"
    with pytest.raises(core.NoteError, match="does not verify$"):
        core.open_checkpoint(bad, VKEY)


def test_signature_with_matching_name_but_other_key_id_is_ignored():
    other_skey, _ = core.generate_signer("custody.example/log")
    note = core.sign_checkpoint(core.Checkpoint("o", 0, core.EMPTY_ROOT), other_skey)
    with pytest.raises(core.NoteError, match="^note has no signature by custody.example/log+"):
        core.open_checkpoint(note, VKEY)


GOOD = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\u2014 k AAAAAAE=\n"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (b"x" * (2**20 + 1), "note is 1048577 bytes, more than the 1048576 allowed"),
        ("\u00e9" * (2**19 + 1), "note is 1048578 bytes, more than the 1048576 allowed"),
        (b"caf\xe9\n\n\xe2\x80\x94 k AAAAAAE=\n", "note is not valid UTF-8 (byte 3)"),
        ("a\rb\n\n\u2014 k AAAAAAE=\n", "note contains an ASCII control character other than newline"),
        (GOOD[:-1], "note must end with a newline"),
        ("text\n\u2014 k AAAAAAE=\n", "note has no blank line between text and signatures"),
        ("text\n\n", "note has no signature lines"),
        ("text\n\n- k AAAAAAE=\n",
         "signature line 1 must be '\u2014 <key name> <base64 signature>', got '- k AAAAAAE='"),
        ("text\n\n\u2014 k AAAAAAE=\n\u2014 k\n",
         "signature line 2 must be '\u2014 <key name> <base64 signature>', got '\u2014 k'"),
        ("text\n\n\u2014 k+1 AAAAAAE=\n",
         "key name must not contain spaces, control characters or '+': 'k+1'"),
        ("text\n\n\u2014 k AAAAAAF=\n",
         "signature line 1 is not canonical standard base64: 'AAAAAAF='"),
        ("text\n\n\u2014 k AAAAAA==\n", "signature line 1 decodes to 4 bytes, expected at least 5"),
        ("text\n\n" + "\u2014 k AAAAAAE=\n" * 101, "note has 101 signatures, more than the 100 allowed"),
    ],
)
def test_malformed_notes_are_rejected(note, message):
    with pytest.raises(core.NoteError) as err:
        core.parse_note(note)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("o\n0\n", "checkpoint must be at least 3 lines (origin, size, root hash), each ending in a newline"),
        ("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "checkpoint must be at least 3 lines"
         " (origin, size, root hash), each ending in a newline"),
        ("o\n007\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
         "checkpoint size must be decimal without leading zeros, got '007'"),
        ("o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
         "checkpoint size must be decimal without leading zeros, got '-1'"),
        ("\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
         "checkpoint origin must be one non-empty line, got ''"),
        ("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
         "checkpoint extension must be one non-empty line, got ''"),
        ("o\n1\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
         "checkpoint root hash is not canonical standard base64:"
         " '47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"),
        ("o\n1\nAAAA\n", "checkpoint root hash must be 32 bytes, got b'\\x00\\x00\\x00'"),
    ],
)
def test_malformed_checkpoints_are_rejected(body, message):
    with pytest.raises(core.NoteError) as err:
        core.Checkpoint.parse(body)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
         "verifier key ID 530d903b does not match its key (expected 530d903a)"),
        ("example.com/foo+530d903a", "verifier must look like <name>+<hex key ID>+<base64 key>,"
         " got 'example.com/foo+530d903a'"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
         "verifier key ID must be 8 lowercase hex digits, got '530D903A'"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
         "verifier key must be 0x01 followed by 32 bytes (Ed25519), got 33 bytes of type 0x02"),
        ("example.com/foo+530d903a+AQ==",
         "verifier key must be 0x01 followed by 32 bytes (Ed25519), got 1 bytes of type 0x01"),
    ],
)
def test_malformed_verifier_keys_are_rejected(key, message):
    with pytest.raises(core.NoteError) as err:
        core.parse_verifier(key)
    assert str(err.value) == message


def test_signer_key_errors():
    with pytest.raises(core.NoteError, match="^signer key must start with 'PRIVATE\\+KEY\\+'$"):
        core.sign_note("x\n", VKEY)
    with pytest.raises(core.NoteError, match="^note text must end with a newline$"):
        core.sign_note("x", SKEY)
    name, kid, blob = SKEY.split("+", 4)[2:]
    wrong = f"PRIVATE+KEY+{name}+{int(kid, 16) ^ 1:08x}+{blob}"
    with pytest.raises(core.NoteError, match=f"^signer key ID {int(kid, 16) ^ 1:08x} does not"):
        core.sign_note("x\n", wrong)


def test_checkpoint_field_validation():
    with pytest.raises(core.NoteError, match="^checkpoint size must be an integer >= 0, got -1$"):
        core.Checkpoint("o", -1, bytes(32))
    with pytest.raises(core.NoteError, match="^checkpoint origin must be one non-empty line"):
        core.Checkpoint("a\nb", 1, bytes(32))
    with pytest.raises(core.NoteError, match="^key name must be a non-empty string, got ''$"):
        core.generate_signer("")


def test_a_note_that_is_not_utf8_text_is_refused():
    with pytest.raises(core.NoteError, match="^note text is not valid UTF-8 text: surrogates not allowed at 0$"):
        core.sign_note("\ud800\n", SKEY)
