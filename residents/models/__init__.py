"""Residents (第三章): intake, residency, ledger and complaints, one module each."""

from residents.models.complaints import (
    COMPLAINT_TRANSITIONS,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintMessage,
    ComplaintStatus,
    MessageKind,
)
from residents.models.intake import (
    APPLICATION_TRANSITIONS,
    LIVE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    Ban,
    BanSource,
    Direction,
    DocumentKind,
    EntityType,
)
from residents.models.ledger import (
    DepositEntry,
    DepositEntryKind,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
)
from residents.models.mediation import (
    MEDIATION_CLOSED,
    MEDIATION_TRANSITIONS,
    Mediation,
    MediationStatement,
    MediationStatus,
    StatementParty,
)
from residents.models.residency import (
    AGREEMENT_TRANSITIONS,
    EXIT_TRANSITIONS,
    RENEWAL_TRANSITIONS,
    RESIDENT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    ClearanceItem,
    DepositOutcome,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    FeePeriod,
    OrientationAcknowledgement,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.models.rule_questions import (
    QUESTION_TRANSITIONS,
    QuestionStatus,
    RuleFaq,
    RuleQuestion,
)

__all__ = [
    "AGREEMENT_TRANSITIONS", "EXIT_TRANSITIONS", "RENEWAL_TRANSITIONS", "RESIDENT_TRANSITIONS",
    "APPLICATION_TRANSITIONS", "COMPLAINT_TRANSITIONS", "LIVE_STATUSES", "Agreement", "AgreementStatus", "Application",
    "ApplicationDocument", "ApplicationTransition", "ApplicationStatus", "Ban", "BanSource", "ClearanceItem",
    "Complaint", "ComplaintCategory", "ComplaintChannel", "ComplaintMessage", "ComplaintStatus",
    "DepositEntry", "DepositEntryKind", "DepositOutcome", "Direction", "DocumentKind", "EntityType", "Exit",
    "ExitClearance", "ExitKind", "ExitStatus", "FeePeriod", "Invoice", "InvoiceKind", "MessageKind",
    "OrientationAcknowledgement", "Payment", "PaymentMethod", "RenewalRequest", "RenewalStatus", "Resident",
    "ResidentStatus", "MEDIATION_CLOSED", "MEDIATION_TRANSITIONS", "Mediation", "MediationStatement",
    "MediationStatus", "StatementParty", "QUESTION_TRANSITIONS", "QuestionStatus", "RuleFaq", "RuleQuestion",
]

# The intake funnel page (第二章第二条1): a read-only proxy with its own view permission.
from residents.models.funnel import IntakeFunnel  # noqa: E402

__all__ += ["IntakeFunnel"]
