"""Cases tests run as the demo's operator (Harbor), with a vault master key of their own."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.demo import LYON, OPERATOR, ZENTERVA, seed
from app.vault.crypto import Keyring, new_master_key
from tests.staff.helpers import demo  # noqa: F401  (fixture)

KEY = new_master_key()


@pytest.fixture
def ring() -> Keyring:
    return Keyring((KEY,))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=True, operator_gln=OPERATOR.gln,
                    vault_key=KEY.line())


@pytest.fixture
async def partners(session) -> None:
    await seed(session)


def spec(**changes):
    from datetime import date

    from app.cases.service import Authorization, CaseSpec
    from app.models import Pathway

    values = dict(country="FR", pathway=Pathway.NAMED_PATIENT, prescriber_name="Dr. A. Test",
                  prescriber_licence="RPPS-1", prescriber_country="FR", drug=ZENTERVA.ndc,
                  quantity=2, receiver_gln=LYON.gln,
                  authorization=Authorization("AAC-1", date(2026, 11, 1), date(2027, 1, 31)))
    return CaseSpec(**{**values, **changes})
