"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, stage, vouchers  # noqa: F401
