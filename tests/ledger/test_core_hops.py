"""Custody hop chain and log-leaf encodings."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ledger import core

T0 = datetime(2026, 11, 23, 9, 30, 15, 250000, tzinfo=UTC)
UNIT = "urn:epc:id:sgtin:0614141.107346.2018"


def _chain(n: int) -> list[core.Hop]:
    hops, prev = [], core.GENESIS
    for seq in range(n):
        hop = core.Hop(
            UNIT, seq, f"ni:///sha-256;{seq:064x}?ver=CBV2.0", "ship" if seq else "commission",
            None if seq == 0 else f"party{seq}", f"party{seq + 1}", "urn:epc:id:sgln:0614141.00001.0",
            T0 + timedelta(hours=seq), prev,
        )
        hops.append(hop)
        prev = core.hop_hash(hop)
    return hops


def test_canonical_hop_golden_bytes_and_hash():
    hop = core.Hop(
        UNIT, 0, "ni:///sha-256;ab?ver=CBV2.0", "commission", None, "Pharma Née", None, T0,
        core.GENESIS,
    )
    want = (
        '{"event_hash":"ni:///sha-256;ab?ver=CBV2.0","from_party":null,"kind":"commission",'
        '"location":null,"seq":0,"time":"2026-11-23T09:30:15.250Z","to_party":"Pharma Née",'
        '"unit":"urn:epc:id:sgtin:0614141.107346.2018"}'
    ).encode()
    assert core.canonical_hop(hop) == want
    assert core.hop_hash(hop) == hashlib.sha256(want + bytes(32)).digest()
    # pinned: any change to the canonical encoding changes every stored hop hash
    assert core.hop_hash(hop).hex() == (
        "f0750b8745d51af09f99ae5be374e63f266d52ff5229e493141973fc9cd13e57"
    )


def test_non_utc_times_are_normalised():
    offset = T0.astimezone(timezone(timedelta(hours=-5)))
    hop = _chain(1)[0]
    moved = core.Hop(**{**hop.__dict__, "time": offset})
    assert moved.time.tzinfo is UTC
    assert core.canonical_hop(moved) == core.canonical_hop(hop)


def test_verify_chain_accepts_whole_chain_and_stored_hashes():
    hops = _chain(5)
    head = core.verify_chain(hops, [core.hop_hash(h) for h in hops])
    assert head == core.hop_hash(hops[-1])
    assert core.verify_chain([]) == core.GENESIS


@given(st.integers(0, 5), st.sampled_from(["event_hash", "kind", "to_party", "location"]))
def test_any_changed_field_breaks_the_chain_at_the_next_hop(seq, field):
    hops = _chain(6)
    hops[seq] = core.Hop(**{**hops[seq].__dict__, field: "tampered"})
    if seq == 5:  # the last hop has no successor: only the stored hash catches it
        stored = [core.hop_hash(h) for h in _chain(6)]
        with pytest.raises(core.ChainError, match="stored hop_hash") as err:
            core.verify_chain(hops, stored)
    else:
        with pytest.raises(core.ChainError, match="prev_hop_hash") as err:
            core.verify_chain(hops)
        assert err.value.seq == seq + 1
        return
    assert err.value.seq == 5


def test_chain_error_messages():
    hops = _chain(3)
    cases = [
        (hops[1:], "hop seq 1 of unit 'urn:epc:id:sgtin:0614141.107346.2018': prev_hop_hash "
         "db15...cd6f does not match GENESIS (first hop of the chain)", 1),
        ([hops[0], hops[2]], "hop seq 2 of unit 'urn:epc:id:sgtin:0614141.107346.2018': "
         "expected seq 1 next", 2),
        ([hops[0], core.Hop(**{**hops[1].__dict__, "unit": "other"})],
         "hop seq 1 of unit 'other': unit differs from the chain's "
         "'urn:epc:id:sgtin:0614141.107346.2018'", 1),
        ([hops[0], core.Hop(**{**hops[1].__dict__, "prev_hop_hash": bytes(32)})],
         "hop seq 1 of unit 'urn:epc:id:sgtin:0614141.107346.2018': prev_hop_hash "
         "0000...0000 does not match the hash db15...cd6f of seq 0", 1),
    ]
    for hops_in, message, seq in cases:
        with pytest.raises(core.ChainError) as err:
            core.verify_chain(hops_in)
        assert (str(err.value), err.value.seq) == (message, seq)
    with pytest.raises(core.ChainError, match="^got 3 hops but 2 stored hop hashes$"):
        core.verify_chain(hops, [bytes(32)] * 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time": datetime(2026, 1, 1)},
         "hop seq 0 of unit 'u': time must be timezone-aware, got naive 2026-01-01 00:00:00"),
        ({"time": datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)},
         "hop seq 0 of unit 'u': time must have millisecond precision,"
         " got 2026-01-01T00:00:00.000001+00:00"),
        ({"seq": -1}, "hop seq -1 of unit 'u': seq must be an integer >= 0"),
        ({"kind": ""}, "hop seq 0 of unit 'u': kind must be a non-empty string, got ''"),
        ({"location": 5}, "hop seq 0 of unit 'u': location must be a string or None, got 5"),
        ({"prev_hop_hash": b"x"}, "hop seq 0 of unit 'u': prev_hop_hash must be 32 bytes, got b'x'"),
    ],
)
def test_hop_validation_messages(change, message):
    fields = dict(unit="u", seq=0, event_hash="e", kind="commission", from_party=None,
                  to_party="p", location=None, time=T0, prev_hop_hash=core.GENESIS)
    with pytest.raises(core.ChainError) as err:
        core.Hop(**{**fields, **change})
    assert str(err.value) == message


def test_leaf_data_golden_and_order_independent():
    hashes = [bytes([2]) * 32, bytes([1]) * 32]
    data = core.leaf_data("ni:///sha-256;ab?ver=CBV2.0", T0, "urn:epc:id:sgln:0614141.00001.0", hashes)
    assert data == (
        '{"event_hash":"ni:///sha-256;ab?ver=CBV2.0","hop_hashes":["' + "01" * 32 + '","'
        + "02" * 32 + '"],"partner":"urn:epc:id:sgln:0614141.00001.0",'
        '"record_time":"2026-11-23T09:30:15.250Z"}'
    ).encode()
    assert core.leaf_data("ni:///sha-256;ab?ver=CBV2.0", T0, "urn:epc:id:sgln:0614141.00001.0",
                          hashes[::-1]) == data
    with pytest.raises(core.LedgerCoreError, match=r"^leaf hop_hashes\[0\] must be 32 bytes"):
        core.leaf_data("e", T0, "p", [b"short"])
