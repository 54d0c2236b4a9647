"""Every kind of edit to a proof bundle is caught by the offline verifier, naming where."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from app.demo import VIALS
from app.ledger import core
from app.reports.offline import BundleError, read_bundle, verify_bundle
from tests.process import CUSTODY, ROOT, env


def _event(b):
    return b["events"][2]["document"]["epcisBody"]["eventList"][0]


def _hop(b, seq=2):
    return b["chains"][0]["hops"][seq]


def _flip(hex_text: str) -> str:
    return ("0" if hex_text[0] != "0" else "1") + hex_text[1:]


def _resign(b, size=None, root=None):
    """The checkpoint note re-signed by ANOTHER key with changed size/root."""
    signer, _ = core.generate_signer(b["checkpoint"]["origin"])
    body = core.Checkpoint(b["checkpoint"]["origin"], size or b["checkpoint"]["tree_size"],
                           bytes.fromhex(root or b["checkpoint"]["root_hash"]))
    b["checkpoint"]["note"] = core.sign_checkpoint(body, signer)


TAMPERS = {  # name -> (edit, where the verifier says it is, words it uses)
    "event field": (lambda b: _event(b).update(eventTime="2026-11-02T16:00:01Z"),
                    "bundle.events[2].document", "recomputed event hash"),
    "event disposition": (lambda b: _event(b).update(disposition="damaged"),
                          "bundle.events[2].document", "recomputed event hash"),
    "hop party": (lambda b: _hop(b).update(to_party="0399999000002"),
                  "bundle.chains[0].hops[2]", "stored hop_hash"),
    "hop location": (lambda b: _hop(b).update(location="urn:epc:id:sgln:0399999.00000.0"),
                     "bundle.chains[0].hops[2]", "stored hop_hash"),
    "hop time": (lambda b: _hop(b).update(time="2026-11-02T16:00:00.001Z"),
                 "bundle.chains[0].hops[2].time", "differs from its event's eventTime"),
    "hop hash": (lambda b: _hop(b).update(hop_hash=_flip(_hop(b)["hop_hash"])),
                 "bundle.chains[0].hops[2].hop_hash", "is not among the hop hashes"),
    "dropped hop": (lambda b: b["chains"][0]["hops"].pop(3),
                    "bundle.chains[0].hops[4]", "expected seq 3 next"),
    "leaf data": (lambda b: b["leaves"][0].update(data=b["leaves"][0]["data"].replace('"partner":"0', '"partner":"9')),
                  "bundle.leaves[0].leaf_hash", "differs from SHA-256(0x00 || data)"),
    "proof hash": (lambda b: b["leaves"][1]["inclusion"].__setitem__(0, _flip(b["leaves"][1]["inclusion"][0])),
                   "bundle.leaves[1].inclusion", "does not match expected root"),
    "checkpoint size": (lambda b: b["checkpoint"].update(tree_size=b["checkpoint"]["tree_size"] + 1),
                        "bundle.checkpoint.tree_size", "differs from the signed note's"),
    "checkpoint root": (lambda b: b["checkpoint"].update(root_hash=_flip(b["checkpoint"]["root_hash"])),
                        "bundle.checkpoint.root_hash", "differs from the signed note's"),
    "note size": (lambda b: b["checkpoint"].update(note=b["checkpoint"]["note"].replace(
        f"\n{b['checkpoint']['tree_size']}\n", f"\n{b['checkpoint']['tree_size'] + 1}\n", 1)),
        "bundle.checkpoint.note", "does not verify"),
    "signature": (lambda b: b["checkpoint"].update(note=b["checkpoint"]["note"][:-6] + (
        "AAAAA=\n" if not b["checkpoint"]["note"].endswith("AAAAA=\n") else "BBBBB=\n")[-7:]),
        "bundle.checkpoint.note", ""),
    "re-signed by another key": (lambda b: _resign(b, root="00" * 32),
                                 "bundle.checkpoint.note", "note has no signature by"),
    "format": (lambda b: b.update(format="custody-proof-bundle/0"), "bundle.format", "expected"),
    "subject": (lambda b: b["report"].update(subject=VIALS[1]), "bundle.chains",
                "no chain with role 'subject'"),
}


@pytest.fixture
async def bundle(client, world) -> dict:
    answer = await client.get(f"/reports/units/{VIALS[0]}", headers=world.keys["regulator"],
                              params={"since_size": world.first_size})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_each_edit_is_caught_with_the_right_message(bundle, world):
    verify_bundle(bundle, world.pubkey)
    for name, (edit, where, words) in TAMPERS.items():
        changed = copy.deepcopy(bundle)
        edit(changed)
        try:
            verify_bundle(changed, world.pubkey)
        except BundleError as caught:
            assert caught.where == where, (name, str(caught))
            assert words in str(caught), (name, str(caught))
        else:
            pytest.fail(f"{name}: not caught")


async def test_consistency_from_a_held_checkpoint(bundle, world):
    held = bundle["consistency"]["first_checkpoint"]
    assert verify_bundle(bundle, world.pubkey, since=held).consistent_from == world.first_size
    rewritten = copy.deepcopy(bundle)
    rewritten["consistency"]["hashes"][0] = _flip(rewritten["consistency"]["hashes"][0])
    with pytest.raises(BundleError, match="the log was rewritten since the checkpoint you hold"):
        verify_bundle(rewritten, world.pubkey, since=held)
    missing = copy.deepcopy(bundle)
    missing["consistency"] = None
    with pytest.raises(BundleError, match=f"ask for the bundle with since_size={world.first_size}"):
        verify_bundle(missing, world.pubkey, since=held)
    with pytest.raises(BundleError, match="the checkpoint you hold does not verify"):
        verify_bundle(bundle, world.pubkey, since=held.replace("\n", "\n\n", 1))


async def test_custody_report_verify_exits_1_naming_the_first_mismatch(bundle, world, tmp_path):
    good, bad, held = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "held.note"
    good.write_text(json.dumps(bundle))
    changed = copy.deepcopy(bundle)
    _hop(changed).update(from_party="0399999000002")
    bad.write_text(json.dumps(changed))
    held.write_text(bundle["consistency"]["first_checkpoint"])
    pub = world.key_dir / "checkpoint.pub"

    def run(*args):
        return subprocess.run([*CUSTODY, "report", "verify", *args], env=env(), cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    ok = run(str(good), "--key", str(pub), "--since", str(held))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith(f"bundle verified: {VIALS[0]}: 14 hops")
    assert f"consistent with your checkpoint of {world.first_size} leaves" in ok.stdout
    failed = run(str(bad), "--key", world.pubkey)
    assert failed.returncode == 1
    assert failed.stdout.startswith("MISMATCH bundle.chains[0].hops[2]: hop seq 2 of unit")
    assert "stored hop_hash" in failed.stdout
    garbage = tmp_path / "garbage.json"
    garbage.write_text("[1, 2")
    assert run(str(garbage), "--key", world.pubkey).stdout.startswith("MISMATCH bundle: not JSON")


def test_read_bundle_refuses_what_is_not_an_object():
    with pytest.raises(BundleError, match="expected a JSON object, got list"):
        read_bundle("[]")
