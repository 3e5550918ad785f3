"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, drills, vouchers  # noqa: F401
