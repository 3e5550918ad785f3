"""Resources (第四章第二条、第五章): one module per topic."""

from resources.models.activities import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    CheckInMethod,
)
from resources.models.drills import DrillFinding, DrillType, SafetyDrill
from resources.models.vouchers import (
    ApplicationFile,
    ApplicationStatus,
    EntryKind,
    FraudFinding,
    GrantSource,
    ProviderKind,
    UsageChannel,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
    VoucherKind,
    VoucherProgramme,
    VoucherProvider,
    VoucherUnit,
)

__all__ = [
    "Activity", "ActivityKind", "ActivityRegistration", "ApplicationFile", "ApplicationStatus", "Attendance",
    "CheckInMethod", "EntryKind", "FraudFinding", "GrantSource", "ProviderKind", "UsageChannel",
    "VoucherApplication", "VoucherEntry", "VoucherGrant", "VoucherKind", "VoucherProgramme", "VoucherProvider",
    "VoucherUnit", "DrillFinding", "DrillType", "SafetyDrill",
]
