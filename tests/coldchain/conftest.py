"""The operator is the pharmacy of the tests' chain (``CUSTODY_OPERATOR_GLN``)."""

import pytest

from app.config import Settings
from tests.partners.helpers import PHARMACY_GLN


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=True, operator_gln=PHARMACY_GLN)
