"""The demo operator (Harbor) with fresh stock to ship."""

from tests.shipments.helpers import stocked  # noqa: F401  (fixture)
from tests.staff.helpers import demo, settings  # noqa: F401  (fixtures)
