"""Mistakes an operator makes in the first hour get one line naming them, never a traceback."""

from __future__ import annotations

from app.auth import service
from tests.ingest.chain import commission, document, sgtin
from tests.process import custody

CAPTURE_REFUSED = ("error: scope 'capture' needs a key issued to a trading partner (captured "
                   "events are submitted by one); an operator key cannot capture\n")
QUERY_REFUSED = ("error: scope 'query' needs a key issued to a trading partner, or admin or "
                 "regulator beside it; an operator key with query alone sees no event\n")


def test_ingest_for_a_partner_that_does_not_exist_is_one_line(database_url, tmp_path):
    path = tmp_path / "commission.json"
    path.write_bytes(document(commission([sgtin(1)])))
    result = custody("ingest", str(path), "--partner", "99", CUSTODY_DATABASE_URL=database_url)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "error: no trading partner with id 99\n")


def test_an_operator_key_refuses_scopes_it_could_never_use(database_url):
    for scopes, refusal in ((["capture"], CAPTURE_REFUSED), (["capture", "admin"], CAPTURE_REFUSED),
                            (["query"], QUERY_REFUSED), (["query", "verify"], QUERY_REFUSED)):
        args = [x for scope in scopes for x in ("--scope", scope)]
        result = custody("keys", "issue", *args, CUSTODY_DATABASE_URL=database_url)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", refusal), scopes


async def test_operator_keys_keep_the_scopes_they_can_use(session):
    for scopes in (["admin"], ["regulator", "query"], ["admin", "query", "report"]):
        key, _ = await service.issue(session, None, scopes, "ops", "test")
        assert (key.partner_id, key.scopes) == (None, scopes)
