"""``custody demo`` leaves a quarantined vial, an open investigation and a recalled lot that a
newcomer finds with ``custody investigations list``; the CLI walks an investigation through."""

import json

import pytest

from app.demo import HARBOR, TORN_SEAL, ZENTERVA
from app.migrate import upgrade
from tests.process import custody


@pytest.fixture
def fresh(empty_database) -> dict[str, str]:
    """A database of its own (the CLI commits); the services' tests cover both backends."""
    url = empty_database("sqlite")
    upgrade(url)
    return {"CUSTODY_DATABASE_URL": url, "CUSTODY_OPERATOR_GLN": HARBOR.gln}


def run(env, *args) -> str:
    result = custody(*args, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_shows_suspect_product_and_a_recall_and_the_cli_walks_it(fresh):
    out = run(fresh, "demo", "--no-serve")
    assert "capture job" not in out  # the worker's line per job: the demo sums its jobs up
    assert "1 investigation(s), one vial quarantined, 1 recall(s)" in out
    assert f"CUSTODY_OPERATOR_GLN={HARBOR.gln}" in out
    assert run(fresh, "demo", "--no-serve")  # twice is harmless: still one of each
    listed = run(fresh, "investigations", "list").splitlines()
    assert len(listed) == 1 and listed[0].startswith("1\topen\t\t-\t1\ttamper-evident seal torn")

    shown = json.loads(run(fresh, "investigations", "show", "1"))
    assert [(u["identifier"], u["status"]) for u in shown["units"]] == [(TORN_SEAL, "quarantined")]
    assert [(p["name"], p["role"]) for p in shown["partners_to_notify"]] == [
        ("Atlas Specialty Distribution LLC", "supplier")]

    refused = custody("investigations", "form", "1", **fresh)
    assert (refused.returncode, refused.stderr) == (
        2, "error: investigation 1 is open: only after an illegitimate determination can you "
           "draft Form FDA 3911\n")
    run(fresh, "investigations", "determine", "1", "--classification", "unfit_for_distribution",
        "--description", "seal torn; contents exposed")
    form = json.loads(run(fresh, "investigations", "form", "1"))
    assert (form["fields"]["name_of_product"], form["fields"]["serial_numbers"]) == (
        "Zenterva", ["ZT00007"])
    again = custody("investigations", "clear", "1", "--text", "fine", **fresh)
    assert again.returncode == 2 and "a determination is final" in again.stderr

    # The operator is not Zenterva's brand owner: its recall is refused in one line.
    refused = custody("recall", ZENTERVA.gtin, "--lot", "ZT2611A", "--class", "II",
                      "--reason", "x", **fresh)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.startswith(f"error: {HARBOR.gln} is neither the brand owner of GTIN")
    assert run(fresh, "verify").startswith("ledger verified: ")
