"""The demo's operator (Harbor), loaded through the real pipeline, and staff sign-in helpers."""

from __future__ import annotations

import re
import shutil

import pytest

from app.config import Settings
from app.demo import OPERATOR

PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The app's settings with the demo's specialty pharmacy as the operator."""
    return Settings(database_url=database_url, log_json=True, operator_gln=OPERATOR.gln)


@pytest.fixture
async def demo(demo_database, sessions, tmp_path) -> dict:
    """``custody demo``'s data: partners, chain, the operator's stock, investigation, recall,
    staff and station (its checkpoint and vault keys under ``tmp_path / "keys"``).

    The demo is loaded once per backend and settings (``tests/conftest.py``
    ``demo_database``); ``sessions`` then work in a rolled-back transaction on that database.
    """
    _, created, key_dir = demo_database
    shutil.copytree(key_dir, tmp_path / "keys", dirs_exist_ok=True)
    return dict(created)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(client, username: str, password: str):
    """GET the form (for its CSRF token), then POST it; the client keeps the cookie."""
    token = csrf_of((await client.get("/signin")).text)
    return await client.post("/signin", data={"username": username, "password": password,
                                              "csrf_token": token})
