"""The FastAPI application."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from app import __version__, background, problems
from app.adverse.router import router as adverse_router
from app.audit.router import router as audit_router
from app.capture.router import router as capture_router
from app.cases.router import router as cases_router
from app.coldchain.router import router as coldchain_router
from app.coldchain.router import shipment_router as shipment_coldchain_router
from app.config import Settings, get_settings
from app.db import create_engine, session_factory
from app.delivery.router import router as delivery_router
from app.deps import refuse_nul
from app.events.router import router as events_router
from app.health.router import router as health_router
from app.ingest import worker as capture_worker
from app.investigations.router import router as investigations_router
from app.ledger import scheduler
from app.ledger.router import router as ledger_router
from app.logging import configure_logging
from app.middleware import RequestContext
from app.outbox import worker as outbox_worker
from app.outbox.router import router as outbox_router
from app.partners.router import router as partners_router
from app.printing.router import router as printing_router
from app.products.router import router as products_router
from app.recalls.router import router as recalls_router
from app.receiving.router import router as receiving_router
from app.reports.router import router as reports_router
from app.scans.router import router as scans_router
from app.shipments.router import router as shipments_router
from app.traces.router import router as traces_router
from app.units.router import router as units_router
from app.vault import scheduler as vault_scheduler
from app.vrs.router import router as vrs_router
from app.web import account, pages, provenance, receiving
from app.web import cases as case_pages
from app.web import investigations as investigation_pages
from app.web import recalls as recall_pages
from app.web import reports as report_pages
from app.web import router as web
from app.web import shipping as shipping_pages
from app.web import units as unit_pages

DESCRIPTION = """Custody proves where every serialized prescription-drug unit has been:
EPCIS capture, GS1 scanning, hash-linked custody chains and a verifiable Merkle log.
Errors are RFC 9457 `application/problem+json`."""


SESSION_COOKIE = "custody_session"
SESSION_SECONDS = 12 * 3600  # one shift: a staff session ends 12 hours after sign-in


def create_app(settings: Settings | None = None, *, workers: bool = False) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment); with
    ``workers`` it also works the capture-job queue and pushes the outbox (embedded mode)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        sessions = app.state.sessions
        loops = [scheduler.loop(sessions, settings), vault_scheduler.loop(sessions, settings)]
        if workers:
            loops += [capture_worker.loop(sessions, settings), outbox_worker.loop(sessions, settings)]
        async with background.running(loops):
            yield
        await app.state.engine.dispose()

    app = FastAPI(title="Custody", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(refuse_nul)], docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = create_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    problems.install(app)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.session_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE, max_age=SESSION_SECONDS, same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(RequestContext)
    for router in (
        health_router,
        partners_router,
        products_router,
        ledger_router,
        capture_router,
        events_router,
        investigations_router,
        recalls_router,
        vrs_router,
        audit_router,
        traces_router,
        units_router,  # after ledger_router: /units/{id}/chain is the ledger's
        scans_router,
        cases_router,
        adverse_router,
        delivery_router,
        receiving_router,
        reports_router,
        outbox_router,
        shipments_router,
        printing_router,
        coldchain_router,
        shipment_coldchain_router,
        pages.router,  # the staff web app: sign-in, scan & verify
        unit_pages.router,  # ... /staff/units, /staff/investigations, /staff/recalls
        investigation_pages.router,
        recall_pages.router,
        case_pages.router,  # cases, follow-ups, the receiver's confirmation page
        receiving.router,  # receiving
        report_pages.router,  # /staff/reports
        shipping_pages.router,  # pick & pack
        provenance.router,  # staff pages: audit trail, trace requests
        account.router,  # the staff web app: my API keys
        web.router,  # / and /docs (Swagger UI from app/web/static, no CDN)
    ):
        app.include_router(router)
    app.mount("/static", web.static, name="static")
    return app
