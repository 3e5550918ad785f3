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
