"""HTTP: ledger reads. Anyone gets hashes and sizes; data about parties needs a key that may see it."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from app.audit import service as audit
from app.audit.deps import OriginDep
from app.auth.deps import require
from app.auth.service import Caller
from app.deps import BIGINT_MAX, SessionDep, SettingsDep
from app.ledger import service
from app.ledger.schemas import ChainOut, ConsistencyProofOut, InclusionProofOut, LeafOut

router = APIRouter(tags=["ledger"])
QUERY = require("query", "regulator")
QUERY_IF_GIVEN = require("query", "regulator", optional=True)


@router.get(
    "/ledger/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint"
)
async def latest_checkpoint(session: SessionDep) -> PlainTextResponse:
    return PlainTextResponse(await service.checkpoint_note(session))


@router.get(
    "/ledger/proofs/inclusion",
    summary="Inclusion proof of a leaf in a signed tree",
    description="Against the latest checkpoint, or the checkpoint of `tree_size`. By "
    "`leaf_index` for anyone; by `event_hash` for a key that may see the event. A leaf no "
    "checkpoint covers yet is a 409 problem saying when the next is due (`Retry-After`).",
)
async def inclusion_proof(
    session: SessionDep,
    settings: SettingsDep,
    caller: Caller | None = QUERY_IF_GIVEN,
    leaf_index: int | None = Query(None, ge=0, le=BIGINT_MAX),
    event_hash: str | None = Query(None, description="ni:///sha-256;...?ver=CBV2.0"),
    tree_size: int | None = Query(
        None, ge=1, le=BIGINT_MAX, description="a signed tree size; default: latest checkpoint"
    ),
) -> InclusionProofOut:
    proof = await service.inclusion_proof(
        session, caller, leaf_index=leaf_index, event_hash=event_hash, tree_size=tree_size,
        interval=timedelta(seconds=settings.checkpoint_interval_seconds),
    )
    return InclusionProofOut.of(proof)


@router.get("/ledger/proofs/consistency", summary="Consistency proof between two signed trees")
async def consistency_proof(
    session: SessionDep,
    first: int = Query(..., ge=0, le=BIGINT_MAX, description="a signed tree size, or 0"),
    second: int | None = Query(
        None, ge=0, le=BIGINT_MAX, description="a signed tree size; default: latest checkpoint"
    ),
) -> ConsistencyProofOut:
    return ConsistencyProofOut.of(await service.consistency_proof(session, first, second))


@router.get(
    "/ledger/leaves/{leaf_index}",
    summary="One log leaf: its hash, and its data for a key that may see the event",
)
async def leaf(
    session: SessionDep,
    origin: OriginDep,
    leaf_index: int = Path(ge=0, le=BIGINT_MAX),
    caller: Caller | None = QUERY_IF_GIVEN,
) -> LeafOut:
    found = await service.get_leaf(session, caller, leaf_index)
    if caller is not None and found.data is not None:  # it names the partner that logged it
        await audit.record(session, caller, "leaf.read", f"leaf:{leaf_index}", origin)
    return LeafOut.of(found)


@router.get("/units/{identifier:path}/chain", summary="A unit's custody chain with proofs")
async def unit_chain(
    identifier: str, session: SessionDep, settings: SettingsDep, origin: OriginDep,
    caller: Caller = QUERY,
) -> ChainOut:
    interval = timedelta(seconds=settings.checkpoint_interval_seconds)
    chain = await service.unit_chain(session, caller, identifier, interval)
    await audit.record(session, caller, "chain.read", identifier, origin)
    return ChainOut.of(identifier, chain)
