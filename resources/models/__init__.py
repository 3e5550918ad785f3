"""Resources (第四章第二条、第五章): one module per topic."""

from resources.models.activities import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    CheckInMethod,
)

__all__ = ["Activity", "ActivityKind", "ActivityRegistration", "Attendance", "CheckInMethod"]
