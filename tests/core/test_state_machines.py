"""One state machine per model (docs/architecture.md): each transition map is declared beside its
model, covers every status, and no service declares a partial map of its own."""

import re
from pathlib import Path

import pytest

from discipline.models import CASE_TRANSITIONS, REWARD_TRANSITIONS, CaseStatus, RewardStatus
from opc_community.core.transitions import can_move
from residents.models import (
    AGREEMENT_TRANSITIONS,
    APPLICATION_TRANSITIONS,
    COMPLAINT_TRANSITIONS,
    EXIT_TRANSITIONS,
    RENEWAL_TRANSITIONS,
    RESIDENT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    ApplicationStatus,
    ComplaintStatus,
    ExitStatus,
    RenewalStatus,
    ResidentStatus,
)
from scoring.models import (
    INPUT_TRANSITIONS,
    PLAN_TRANSITIONS,
    QUARTER_TRANSITIONS,
    InputStatus,
    PlanStatus,
    QuarterStatus,
)
from spaces.models import (
    BOOKING_TRANSITIONS,
    REQUEST_TRANSITIONS,
    VISITOR_TRANSITIONS,
    BookingStatus,
    RequestStatus,
    VisitorStatus,
)

ROOT = Path(__file__).resolve().parents[2]

MACHINES = [
    (RESIDENT_TRANSITIONS, ResidentStatus), (AGREEMENT_TRANSITIONS, AgreementStatus),
    (RENEWAL_TRANSITIONS, RenewalStatus), (EXIT_TRANSITIONS, ExitStatus),
    (APPLICATION_TRANSITIONS, ApplicationStatus), (COMPLAINT_TRANSITIONS, ComplaintStatus),
    (BOOKING_TRANSITIONS, BookingStatus), (REQUEST_TRANSITIONS, RequestStatus), (VISITOR_TRANSITIONS, VisitorStatus),
    (QUARTER_TRANSITIONS, QuarterStatus), (PLAN_TRANSITIONS, PlanStatus), (INPUT_TRANSITIONS, InputStatus),
    (CASE_TRANSITIONS, CaseStatus), (REWARD_TRANSITIONS, RewardStatus),
]


@pytest.mark.parametrize(("transitions", "statuses"), MACHINES, ids=lambda value: getattr(value, "__name__", ""))
def test_every_map_names_only_its_model_statuses(transitions, statuses):
    values = set(statuses.values)
    assert set(transitions) <= values
    assert all(targets <= values for targets in transitions.values())


@pytest.mark.parametrize(("transitions", "statuses"), [
    (RESIDENT_TRANSITIONS, ResidentStatus), (AGREEMENT_TRANSITIONS, AgreementStatus),
    (RENEWAL_TRANSITIONS, RenewalStatus), (EXIT_TRANSITIONS, ExitStatus),
], ids=["resident", "agreement", "renewal", "exit"])
def test_the_residency_maps_cover_every_status(transitions, statuses):
    assert set(transitions) == set(statuses.values)


def test_the_merged_maps_hold_every_move_the_services_make():
    # check-in (agreements) and the exits (lifecycle) share the resident's one map
    assert ResidentStatus.ACTIVE in RESIDENT_TRANSITIONS[ResidentStatus.ONBOARDING]
    assert ResidentStatus.EXITED in RESIDENT_TRANSITIONS[ResidentStatus.ONBOARDING]
    assert RESIDENT_TRANSITIONS[ResidentStatus.EXITED] == frozenset()
    # accepting (agreements) and ending or cancelling (lifecycle) share the agreement's one map
    assert AGREEMENT_TRANSITIONS[AgreementStatus.ISSUED] == {AgreementStatus.ACCEPTED, AgreementStatus.CANCELLED}
    assert AGREEMENT_TRANSITIONS[AgreementStatus.ACCEPTED] == {AgreementStatus.ENDED}


@pytest.mark.parametrize(("status", "allowed"), [
    (AgreementStatus.ISSUED, True), (AgreementStatus.ACCEPTED, False),
    (AgreementStatus.ENDED, False), (AgreementStatus.CANCELLED, False),
])
def test_can_move_is_the_predicate_of_move(status, allowed):
    agreement = Agreement(status=status)
    assert can_move(agreement, AgreementStatus.ACCEPTED, transitions=AGREEMENT_TRANSITIONS) is allowed


def test_no_service_declares_a_transition_map_of_its_own():
    declared = re.compile(r"^[A-Z_]*TRANSITIONS\s*[:=]", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("residents", "spaces", "resources", "scoring", "discipline", "opc_community")
        for path in (ROOT / app).rglob("*.py")
        if "services" in path.parts and declared.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
