"""``custody staff`` and ``custody stations`` as an operator runs them: passwords never on argv."""

from __future__ import annotations

import json
import subprocess

from app.demo import OPERATOR
from tests.process import CUSTODY, custody, env


def test_staff_and_stations_from_the_command_line(tmp_path):
    db = {"CUSTODY_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
          "CUSTODY_OPERATOR_GLN": OPERATOR.gln, "CUSTODY_KEY_DIR": str(tmp_path / "keys")}
    assert custody("demo", "--no-serve", **db).returncode == 0

    def run(*args, stdin=None):
        return subprocess.run([*CUSTODY, *args], env=env(**db), input=stdin, capture_output=True,
                              text=True, timeout=60)

    def audit_entries() -> int:
        verified = json.loads(run("verify", "--json").stdout)
        assert verified["ok"], verified["mismatch"]
        return verified["counts"]["audit_trail"]

    demo_entries = audit_entries()
    added = run("staff", "add", "bob", "--name", "Bob Ray", "--role", "receiver",
                "--password-stdin", stdin="a long enough secret\n")
    assert added.returncode == 0 and "a long enough secret" not in added.stdout + added.stderr
    generated = run("staff", "add", "cy", "--name", "Cy", "--role", "qa", "--generate")
    assert generated.stdout.count("password (shown once): ") == 1
    assert run("staff", "add", "dee", "--name", "D", "--role", "qa", "--password", "x").returncode == 2
    assert run("staff", "disable", "bob").returncode == 0
    listed = run("staff", "list").stdout.splitlines()
    assert "bob\treceiver\tdisabled\tBob Ray" in listed and "cy\tqa\tactive\tCy" in listed
    assert run("staff", "passwd", "cy", "--password-stdin", stdin="another long secret\n").returncode == 0
    short = run("staff", "passwd", "cy", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert short.stderr.strip() == "error: password: expected 12 to 256 characters, got 5"

    assert run("stations", "add", "Pack 2", "--sgln", OPERATOR.sgln).returncode == 0
    elsewhere = run("stations", "add", "Dock", "--sgln", "urn:epc:id:sgln:0360001.00000.0")
    assert elsewhere.stderr.strip() == ("error: site: expected the SGLN of one of the operator's "
                                        "locations, got 'urn:epc:id:sgln:0360001.00000.0'")
    assert run("stations", "list").stdout.splitlines() == [
        f"Pack 2\t{OPERATOR.sgln}", f"Receiving 1\t{OPERATOR.sgln}"]

    verified = run("scan", "verify", "]d20100312345600112<GS>21ZT00003", "--station", "Pack 2")
    assert (verified.returncode, verified.stdout.splitlines()[0]) == (0, "VERIFIED")
    stranger = run("scan", "verify", "(01)00312345600112(21)ZT00006")
    assert (stranger.returncode, stranger.stdout.splitlines()[0]) == (1, "NOT IN CUSTODY")

    issued = run("keys", "issue", "--staff", "cy", "--name", "returns scanner")
    assert issued.returncode == 0 and issued.stdout.startswith("ck_")
    prefix = issued.stdout.split("_")[1]
    limited = run("keys", "issue", "--staff", "cy", "--scope", "scan", "--scope", "recall")
    assert limited.returncode == 0
    assert run("staff", "keys", "cy").stdout.splitlines() == [
        f"{limited.stdout.split('_')[1]}\tactive\tscan,recall\tpersonal key",
        f"{prefix}\tactive\tas roles\treturns scanner"]
    beyond = run("keys", "issue", "--staff", "cy", "--scope", "receive")
    assert beyond.returncode == 2 and beyond.stderr.strip() == (
        "error: scopes: cy (qa) may not receive; a personal key holds only what its holder may do")
    assert run("keys", "issue", "--staff", "bob").returncode == 2  # disabled
    assert run("keys", "issue", "--staff", "cy", "--partner", "1").returncode == 2
    # Two accounts added, one disabled, one re-passworded, two keys issued: each a leaf of the
    # log that custody verify recomputes (decision 0033); refusals and the station add are not.
    assert audit_entries() == demo_entries + 6
