"""A capture job's errors: each a CustodyError, stored as its problem details without status."""

from app.errors import CustodyError
from app.ingest.errors import Contradiction, TooManyEvents, job_error, unreadable
from app.ingest.rules import Problem
from epcis.errors import EpcisError

BASE = "https://custody.dev/problems/"


def test_a_contradiction_names_the_event_its_hash_and_the_unit():
    problem = Problem("UNKNOWN_UNIT", "unit U was never commissioned", "U")
    assert list(job_error(Contradiction(3, "ni:///sha-256;ab", problem)).items()) == [
        ("type", BASE + "custody-exception"), ("title", "Custody exception"),
        ("detail", "event 3: unit U was never commissioned"), ("reason", "UNKNOWN_UNIT"),
        ("eventIndex", 3), ("eventHash", "ni:///sha-256;ab"), ("unit", "U")]
    assert "unit" not in job_error(Contradiction(0, "h", Problem("SENDER_NOT_AUTHORIZED", "x")))


def test_an_unreadable_document_says_where_in_camel_case():
    exc = EpcisError("bad timestamp", field="eventTime", found="yesterday", pointer="/e/1",
                     event_index=1)
    assert list(job_error(unreadable(exc)).items()) == [
        ("type", BASE + "epcis-document"), ("title", "EPCIS document refused"),
        ("detail", str(exc)), ("reason", "EPCIS_INVALID"), ("field", "eventTime"),
        ("found", "yesterday"), ("pointer", "/e/1"), ("eventIndex", 1)]


def test_the_limit_and_internal_errors_keep_their_shape():
    assert list(job_error(TooManyEvents(2))) == [
        "type", "title", "detail", "reason", "expected", "found"]
    failed = CustodyError("processing failed 3 times; see the logs", reason="INTERNAL_ERROR")
    assert job_error(failed) == {"type": BASE + "internal-error", "title": "Internal error",
                                 "detail": "processing failed 3 times; see the logs",
                                 "reason": "INTERNAL_ERROR"}
