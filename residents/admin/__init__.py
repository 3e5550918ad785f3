"""The residents app in the operations desk, one module per topic."""

from residents.admin import agreements, complaints, funnel, intake, lifecycle, mediation  # noqa: F401
