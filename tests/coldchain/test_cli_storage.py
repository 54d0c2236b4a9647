"""``custody demo`` prints the cold-chain line; ``custody coldchain storage`` sets a range."""

import pytest

from app.demo import HARBOR, ZENTERVA
from app.migrate import upgrade
from tests.process import custody


@pytest.fixture
def fresh(empty_database) -> dict[str, str]:
    url = empty_database("sqlite")
    upgrade(url)
    return {"CUSTODY_DATABASE_URL": url, "CUSTODY_OPERATOR_GLN": HARBOR.gln}


def test_the_demo_line_and_setting_a_products_storage_range(fresh):
    demo = custody("demo", "--no-serve", **fresh)
    assert demo.returncode == 0, demo.stderr
    line = next(x for x in demo.stdout.splitlines() if x.startswith("cold chain:"))
    assert "excursion-within-budget, 15 min outside" in line and "/staff/units?id=" in line
    again = custody("demo", "--no-serve", **fresh)  # the same logger file stores nothing new
    assert line in again.stdout
    set_ = custody("coldchain", "storage", ZENTERVA.gtin, "--range", "2..25", "--budget", "15",
                   **fresh)
    assert set_.returncode == 0, set_.stderr
    assert set_.stdout.strip() == f"{ZENTERVA.gtin}: 2..25 °C, budget 15 min"
    cleared = custody("coldchain", "storage", ZENTERVA.gtin, "--clear", **fresh)
    assert cleared.stdout.strip() == f"{ZENTERVA.gtin}: no storage range"
    unknown = custody("coldchain", "storage", "00000000000000", "--range", "2..8", **fresh)
    assert unknown.returncode != 0 and "00000000000000" in unknown.stderr
