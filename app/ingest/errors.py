"""What a capture job reports: each error a :class:`~app.errors.CustodyError`, stored by
:func:`job_error` and served as stored by ``GET /capture/{captureID}``."""

from __future__ import annotations

from typing import Any

from app.capture.service import DocumentRefused
from app.errors import Conflict, CustodyError
from app.ingest.rules import Problem
from epcis.errors import EpcisError

_CAMEL = {"event_index": "eventIndex"}


class TooManyEvents(CustodyError):
    """A document holds more events than one capture may (``CUSTODY_CAPTURE_EVENT_LIMIT``)."""

    status, slug, title = 413, "capture-limit", "Capture limit exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the document holds more than {limit} events, the limit per capture "
            "(CUSTODY_CAPTURE_EVENT_LIMIT, advertised as GS1-EPCIS-Capture-Limit); split it "
            "into several documents",
            reason="CAPTURE_LIMIT_EXCEEDED", expected=f"at most {limit} events",
            found=f"more than {limit}",
        )
        self.limit = limit


class JobCrashed(CustodyError):
    """Processing raised unexpectedly on every attempt; the logs hold the tracebacks."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"processing failed {attempts} times; see the logs",
                         reason="INTERNAL_ERROR")


class Contradiction(Conflict):
    """An event contradicts custody: a rule's :class:`~app.ingest.rules.Problem`, located."""

    slug, title = "custody-exception", "Custody exception"

    def __init__(self, index: int, digest: str, problem: Problem) -> None:
        super().__init__(f"event {index}: {problem.detail}", reason=problem.code,
                         eventIndex=index, eventHash=digest, unit=problem.unit or None)


def unreadable(exc: EpcisError) -> DocumentRefused:
    """The job error for a document the EPCIS reader refused, naming where and what."""
    where = {_CAMEL.get(k, k): v for k, v in exc.to_dict().items() if k != "message"}
    return DocumentRefused(str(exc), headers=None, reason="EPCIS_INVALID", **where)


def job_error(error: CustodyError) -> dict[str, Any]:
    """``error`` as a capture job stores it: its problem details without ``status``.

    A job's errors are not HTTP answers (the job itself is served with 200), so they carry
    no status of their own.

    >>> job_error(JobCrashed(3))
    {'type': 'https://custody.dev/problems/internal-error', 'title': 'Internal error', \
'detail': 'processing failed 3 times; see the logs', 'reason': 'INTERNAL_ERROR'}
    >>> list(job_error(Contradiction(2, "ni:///sha-256;ab", Problem("UNKNOWN_UNIT", "unit X"))))
    ['type', 'title', 'detail', 'reason', 'eventIndex', 'eventHash']
    """
    problem = error.problem()
    del problem["status"]
    return problem
