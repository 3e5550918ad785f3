"""Admin of the quarterly assessment: quarters and inputs (workflow), dashboard (reading)."""

from scoring.admin import dashboard, quarters  # noqa: F401
