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

# Scenario list and matchmaking; policy help (第五章第二条).
from resources.models.policies import (  # noqa: E402
    HELP_TRANSITIONS,
    OPEN_HELP,
    HelpStatus,
    Policy,
    PolicyHelpRequest,
    PolicyInterest,
    PolicyKind,
    PolicyReminder,
)
from resources.models.scenarios import (  # noqa: E402
    INTEREST_TRANSITIONS,
    OPEN_INTEREST,
    InterestStatus,
    MatchStep,
    Outcome,
    Partner,
    PartnerKind,
    Scenario,
    ScenarioInterest,
    ScenarioKind,
    StepKind,
)

__all__ += [
    "HELP_TRANSITIONS", "INTEREST_TRANSITIONS", "OPEN_HELP", "OPEN_INTEREST", "HelpStatus", "InterestStatus",
    "MatchStep", "Outcome", "Partner", "PartnerKind", "Policy", "PolicyHelpRequest", "PolicyInterest", "PolicyKind",
    "PolicyReminder", "Scenario", "ScenarioInterest", "ScenarioKind", "StepKind",
]

# --- The sharing board (资源共享平台、AI能力共享池) ---
from resources.models.sharing import (  # noqa: E402
    MATCH_TRANSITIONS,
    POST_TRANSITIONS,
    Answer,
    MatchStatus,
    PostStatus,
    SharingCategory,
    SharingInterest,
    SharingKind,
    SharingMatch,
    SharingPost,
)

__all__ += [
    "MATCH_TRANSITIONS", "POST_TRANSITIONS", "Answer", "MatchStatus", "PostStatus", "SharingCategory",
    "SharingInterest", "SharingKind", "SharingMatch", "SharingPost",
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
