"""The spaces app in the operations desk, one module per topic."""

from spaces.admin import (
    bookings,  # noqa: F401
    desks,  # noqa: F401
    emergency,  # noqa: F401
    equipment,  # noqa: F401
    permits,  # noqa: F401
    reports,  # noqa: F401
    rounds,  # noqa: F401
    safety,  # noqa: F401
    safety_dashboard,  # noqa: F401
    visitor_daily,  # noqa: F401
    visitors,  # noqa: F401
)
