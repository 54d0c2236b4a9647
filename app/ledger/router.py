"""HTTP: public ledger reads. Proofs reveal hashes, never business data."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from app.deps import BIGINT_MAX, SessionDep
from app.ledger import service
from app.ledger.schemas import ChainOut, ConsistencyProofOut, HopOut, InclusionProofOut, LeafOut

router = APIRouter(tags=["ledger"])


@router.get(
    "/ledger/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint"
)
async def latest_checkpoint(session: SessionDep) -> PlainTextResponse:
    return PlainTextResponse(await service.checkpoint_note(session))


@router.get("/ledger/proofs/inclusion", summary="Inclusion proof of a leaf")
async def inclusion_proof(
    session: SessionDep,
    leaf_index: int | None = Query(None, ge=0, le=BIGINT_MAX),
    event_hash: str | None = Query(None, description="ni:///sha-256;...?ver=CBV2.0"),
    tree_size: int | None = Query(None, ge=1, le=BIGINT_MAX, description="default: latest checkpoint"),
) -> InclusionProofOut:
    proof = await service.inclusion_proof(
        session, leaf_index=leaf_index, event_hash=event_hash, tree_size=tree_size
    )
    return InclusionProofOut.of(proof)


@router.get("/ledger/proofs/consistency", summary="Consistency proof between two tree sizes")
async def consistency_proof(
    session: SessionDep, first: int = Query(..., ge=0, le=BIGINT_MAX),
    second: int = Query(..., ge=0, le=BIGINT_MAX),
) -> ConsistencyProofOut:
    hashes = await service.consistency_proof(session, first, second)
    return ConsistencyProofOut(first=first, second=second, hashes=[h.hex() for h in hashes])


@router.get("/ledger/leaves/{leaf_index}", summary="One log leaf and its hash")
async def leaf(
    session: SessionDep, leaf_index: int = Path(ge=0, le=BIGINT_MAX)
) -> LeafOut:
    return LeafOut.of(await service.get_leaf(session, leaf_index))


@router.get("/units/{identifier:path}/chain", summary="A unit's custody chain with proofs")
async def unit_chain(identifier: str, session: SessionDep) -> ChainOut:
    hops = await service.unit_chain(session, identifier)
    return ChainOut(unit=identifier, hops=[HopOut.of(hop, proof) for hop, proof in hops])
