"""Run ``custody`` as an operator does: a separate process on this tree's code."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CUSTODY = [sys.executable, "-c", "from app.cli import main; main()"]


def env(**settings: str) -> dict[str, str]:
    """This environment with this tree first on the path, plus ``CUSTODY_*`` settings."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), **settings}


def custody(*args: str, timeout: float = 60, **settings: str) -> subprocess.CompletedProcess:
    """Run ``custody ARGS`` to completion with ``settings`` in its environment."""
    return subprocess.run([*CUSTODY, *args], env=env(**settings), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def free_port() -> int:
    """A local TCP port nobody listens on (closed again before it is returned)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(port: int | None = None, **settings: str) -> Iterator[str]:
    """``custody serve --no-worker`` with ``settings`` until it answers /healthz; yields the URL
    it printed (on ``port``, else a free one). Stopped on exit."""
    port = port or free_port()
    with tempfile.TemporaryFile("w+") as errors:
        server = subprocess.Popen([*CUSTODY, "serve", "--no-worker", "--port", str(port)],
                                  cwd=ROOT, env=env(**settings), stdout=subprocess.PIPE,
                                  stderr=errors, text=True)
        try:
            printed = re.match(r"Custody is running at (http://\S+)", server.stdout.readline())
            url = printed.group(1) if printed else None
            deadline = time.monotonic() + 60
            while url and not _answers(url) and server.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            if not url or server.poll() is not None or not _answers(url):
                errors.seek(0)
                raise AssertionError(f"custody serve did not start: {errors.read()[-2000:]}")
            yield url
        finally:
            server.terminate()
            server.wait(20)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
