"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, drills, matchmaking, sharing, stage, vouchers  # noqa: F401
