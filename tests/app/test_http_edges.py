"""HTTP edges a client trips over: 401 names its scheme, 405 says what is allowed, one log line."""

import json
import socket

import anyio
import httpx
import pytest
import uvicorn

from app.auth import service
from app.main import create_app
from tests.partners.helpers import make_key

FORGED = "ck_0badc0de_" + "x" * 43


@pytest.mark.parametrize("path", ["/events", "/capture", "/partners", "/units/x"])
async def test_every_401_names_the_bearer_scheme(client, session, path):
    headers = await make_key(session, None, "admin")
    await session.commit()
    await service.revoke(session, headers["Authorization"].split("_")[1], "test")
    await session.commit()
    for sent in ({}, {"Authorization": "Basic abc"}, {"Authorization": f"Bearer {FORGED}"},
                 headers):
        response = await client.get(path, headers=sent)
        assert response.status_code == 401, (path, sent)
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/capture", "GET, OPTIONS, POST"),  # three routes share the path
    ("PUT", "/events", "GET"),
    ("POST", "/healthz", "GET"),
])
async def test_every_405_says_which_methods_are_allowed(client, method, path, allow):
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["detail"] == f"{method} {path}: Method Not Allowed"


async def test_each_request_is_logged_once(settings, capsys):
    """Served by uvicorn as ``custody serve`` runs it; its access line would be a second one."""
    app = create_app(settings)  # configures logging onto the captured stderr
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve, [sock])
        while not server.started:
            await anyio.sleep(0.01)
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/healthz",
                                      headers={"X-Request-ID": "once-please"})
        server.should_exit = True
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    mentions = [line for line in lines if "once-please" in json.dumps(line)]
    assert [(m["event"], m["path"], m["status"]) for m in mentions] == [
        ("request", "/healthz", 200)], mentions
