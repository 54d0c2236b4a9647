"""The demo operator for scan tests."""

from tests.staff.helpers import demo, settings  # noqa: F401  (fixtures)
