"""Every error reaches the client as RFC 9457 problem+json with a stable type."""

import httpx
import pytest
from fastapi import Query

from app.errors import Conflict, NotFound
from app.main import create_app


@pytest.fixture
async def app_client(settings, sessions):
    app = create_app(settings)
    app.state.sessions = sessions

    @app.get("/boom/custody")
    async def custody_error():
        raise Conflict("unit X is already dispensed", field="status", found="dispensed")

    @app.get("/boom/unexpected")
    async def unexpected():
        raise RuntimeError("secret internals")

    @app.get("/boom/validate")
    async def validate(limit: int = Query(..., ge=1)):
        return {"limit": limit}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_custody_error_renders_problem(app_client):
    response = await app_client.get("/boom/custody")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://custody.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "unit X is already dispensed",
        "instance": "/boom/custody",
        "field": "status",
        "found": "dispensed",
    }


async def test_unexpected_error_hides_internals(app_client):
    response = await app_client.get("/boom/unexpected")
    assert response.status_code == 500
    body = response.json()
    assert body["type"] == "https://custody.dev/problems/internal-error"
    assert "secret" not in response.text


async def test_validation_error_names_field(app_client):
    response = await app_client.get("/boom/validate", params={"limit": "0"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "https://custody.dev/problems/validation"
    assert body["detail"] == "query.limit: Input should be greater than or equal to 1"
    assert body["errors"][0]["field"] == "query.limit"


async def test_unknown_route_is_problem(app_client):
    response = await app_client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["type"] == "https://custody.dev/problems/not-found"


def test_problem_type_is_stable():
    assert NotFound("x").type == "https://custody.dev/problems/not-found"
