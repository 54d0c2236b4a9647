"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import metrics as custody_metrics
from app.db import check_database
from app.deps import SessionDep
from app.dialect import backend

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers")
async def readyz(request: Request) -> dict[str, str]:
    await check_database(request.app.state.engine)
    return {"status": "ready", "database": backend(request.app.state.engine)}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(session: SessionDep) -> Response:
    await custody_metrics.refresh(session)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
