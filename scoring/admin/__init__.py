"""Admin of the quarterly assessment: quarters, plans and inputs (workflow), dashboard (reading)."""

from scoring.admin import dashboard, plans, quarters  # noqa: F401
