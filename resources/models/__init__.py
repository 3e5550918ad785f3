"""Resources (第四章第二条、第五章): one module per topic."""

from resources.models.activities import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    CheckInMethod,
)
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
    "VoucherUnit",
]

# 第五章第三条、第四条: stage services, the quarterly survey, the standing notices of the board.
from resources.models.stage import (  # noqa: E402
    OPEN_STATUSES,
    REQUEST_OPEN_ONCE,
    SERVICE_REQUEST_TRANSITIONS,
    RequestStatus,
    ServiceRequest,
    ServiceStage,
    StageService,
)
from resources.models.surveys import (  # noqa: E402
    ImprovementItem,
    StandingNotice,
    Survey,
    SurveyResponse,
    SurveyTally,
)

__all__ += [
    "OPEN_STATUSES", "REQUEST_OPEN_ONCE", "SERVICE_REQUEST_TRANSITIONS", "ImprovementItem", "RequestStatus",
    "ServiceRequest", "ServiceStage", "StageService", "StandingNotice", "Survey", "SurveyResponse", "SurveyTally",
]
