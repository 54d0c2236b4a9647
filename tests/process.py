"""Run ``custody`` as an operator does: a separate process on this tree's code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

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
