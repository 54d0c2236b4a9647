"""Health, readiness, metrics and the API docs."""

from app.config import Settings
from app.main import create_app


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_backend(client, database_url):
    response = await client.get("/readyz")
    assert response.status_code == 200
    expected = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    assert response.json() == {"status": "ready", "database": expected}


async def test_readyz_unreachable_database_is_503_problem():
    import httpx

    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://custody.dev/problems/database-unavailable"
    assert body["detail"].startswith(
        "CUSTODY_DATABASE_URL: cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none: "
    )


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "scan-station-7"})
    assert given.headers["x-request-id"] == "scan-station-7"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32


async def test_metrics_count_requests(client):
    await client.get("/healthz")
    body = (await client.get("/metrics")).text
    assert 'custody_http_requests_total{method="GET",route="/healthz",status="200"}' in body


async def test_openapi_docs_served(client):
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = (await client.get("/openapi.json")).json()
    assert {"/healthz", "/readyz", "/partners", "/products/{gtin}"} <= set(spec["paths"])
