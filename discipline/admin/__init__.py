"""The discipline app in the operations desk, one module per topic."""

from discipline.admin import cases, rewards  # noqa: F401
