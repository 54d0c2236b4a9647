"""What an operator sees of capture: /metrics and one log line per job, never the content."""

from __future__ import annotations

import json
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from app.capture.service import capture
from app.ingest import worker
from app.ledger import core
from app.ledger.scheduler import Signer
from app.logging import configure_logging
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners

ORIGIN = "custody.test/log"


async def scrape(client) -> dict[tuple[str, tuple], float]:
    """/metrics as ``{(sample name, sorted labels): value}``."""
    text = (await client.get("/metrics")).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_and_one_log_line_per_job(
    client, session, sessions, capsys, root_handlers, tmp_path
):
    partners = await chain_partners(session)
    mfg = partners["mfg"][0]
    made = await capture(session, document(commission([sgtin(1), sgtin(2)])), None, mfg)
    await capture(session, document(commission([sgtin(3)])), None, mfg)
    await session.commit()
    before = await scrape(client)
    assert before[("custody_capture_jobs", (("status", "pending"),))] == 2
    assert before[("custody_ledger_tree_size", ())] == 3  # the audit entries of the 3 keys
    assert before[("custody_ledger_seconds_since_checkpoint", ())] == -1

    key, verifier = core.generate_signer(ORIGIN)
    capsys.readouterr()
    configure_logging(json=True)
    signer = Signer(key, ORIGIN, timedelta(0), tmp_path)
    job = await worker.run_once(sessions, made.job.id, signer=signer)
    assert job.status == "succeeded"
    logged = capsys.readouterr().err
    [line] = [json.loads(x) for x in logged.splitlines() if '"capture job"' in x]
    assert line["job_id"] == made.job.id and line["partner_id"] == mfg
    assert (line["events"], line["stored"], line["outcome"]) == (1, 1, "succeeded")
    assert 0 < line["seconds"] < 60
    assert "urn:epc" not in logged and "sgtin" not in logged and "L1" not in logged

    after = await scrape(client)
    jobs = {status: after[("custody_capture_jobs", (("status", status),))]
            for status in ("pending", "running", "succeeded", "failed")}
    assert jobs == {"pending": 1, "running": 0, "succeeded": 1, "failed": 0}
    assert after[("custody_ledger_tree_size", ())] == 4
    assert after[("custody_ledger_checkpoint_tree_size", ())] == 4  # signed after the job
    assert 0 <= after[("custody_ledger_seconds_since_checkpoint", ())] < 60

    def grew(name: str, labels: tuple = ()) -> float:
        return after[(name, labels)] - before.get((name, labels), 0)

    assert grew("custody_capture_job_seconds_count", (("outcome", "succeeded"),)) == 1
    assert grew("custody_events_appended_total") == 1
    assert grew("custody_ledger_leaves_appended_total") == 1
    note = (await client.get("/ledger/checkpoint")).text
    assert core.open_checkpoint(note, verifier).size == 4
    assert (tmp_path / "checkpoint.latest").read_text() == note  # what detects a rollback
