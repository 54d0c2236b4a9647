"""``custody trace`` on the demo's database: list, show, file, answer, and verify afterwards."""

import json

from typer.testing import CliRunner

from app.cli import cli


def test_trace_commands_on_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTODY_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("CUSTODY_KEY_DIR", str(tmp_path / "keys"))
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    assert "trace requests: #1 (an FDA fire drill, answered from the ledger) and #2" in demo.output

    listed = runner.invoke(cli, ["trace", "list"]).output.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["2", "open"], ["1", "answered"]]
    assert listed[1].endswith("fire drill")

    filed = runner.invoke(cli, ["trace", "file", "--requester", "MA Board of Pharmacy",
                                "--contact", "board@ma.test", "--reason", "compliance-audit",
                                "--response", "last-known-owner", "--ndc", "12345-6001-1",
                                "--serial", "ZT00002"])
    assert filed.exit_code == 0 and filed.output.startswith("trace request 3 filed, due ")
    answer = json.loads(runner.invoke(cli, ["trace", "answer", "3"]).output)
    assert answer["units"][0]["last_known_owner"]["name"] == "Pharmacie des Hospices de Lyon"
    again = runner.invoke(cli, ["trace", "answer", "3"])
    assert "trace request 3 was answered at" in str(again.exception)  # main() prints it, exit 2

    bad = runner.invoke(cli, ["trace", "file", "--requester", "x", "--contact", "y",
                              "--reason", "curiosity", "--gtin", "00312345600112",
                              "--serial", "1"])
    assert str(bad.exception).startswith("reason: Input should be")
    shown = json.loads(runner.invoke(cli, ["trace", "show", "1"]).output)
    assert shown["status"] == "answered" and shown["answer"]["units"][0]["bundle"]
    verified = runner.invoke(cli, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert "audit_trail" in verified.output
