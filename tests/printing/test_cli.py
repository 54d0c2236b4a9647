"""``custody print``, ``custody outbox`` and ``custody partners update --capture-url`` on the
demo's database, as an operator runs them."""

from __future__ import annotations

import subprocess

import pytest

from app.demo import OPERATOR
from tests.process import CUSTODY, ROOT, custody, env


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("printcli") / "custody.db"
    settings = {"CUSTODY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                "CUSTODY_OPERATOR_GLN": OPERATOR.gln}
    made = custody("demo", "--no-serve", **settings)
    assert made.returncode == 0, made.stderr
    assert "pick & pack at /shipping/1" in made.stdout
    return settings


def test_print_writes_the_demo_shipments_pdfs(demo_db, tmp_path):
    for kind in ("labels", "packing-list", "pick-list"):
        done = custody("print", kind, "1", "-o", str(tmp_path / f"{kind}.pdf"), **demo_db)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"{kind}.pdf").read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(tmp_path / "packing-list.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "2 case(s), 6 unit(s)" in text
    missing = custody("print", "labels", "999", "-o", str(tmp_path / "x.pdf"), **demo_db)
    assert missing.returncode == 2 and "999" in missing.stderr


def test_capture_url_from_the_cli(demo_db):
    refused = custody("partners", "update", "1", "--capture-url", "http://partner.example/c",
                      **demo_db)
    assert refused.returncode == 2 and "capture_url: expected an https URL" in refused.stderr
    done = subprocess.run([*CUSTODY, "partners", "update", "1", "--capture-url",
                           "https://partner.example/capture", "--capture-token-stdin"],
                          input="ck_from_stdin\n", env=env(**demo_db), capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"has_capture_token": true' in done.stdout and "ck_from_stdin" not in done.stdout
    listed = custody("outbox", "list", **demo_db)
    assert listed.returncode == 0 and listed.stdout == ""
    retried = custody("outbox", "retry", "5", **demo_db)
    assert retried.returncode != 0 and "no outbox message 5" in retried.stderr + retried.stdout
