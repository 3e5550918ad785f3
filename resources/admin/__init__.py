"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, matchmaking, vouchers  # noqa: F401
