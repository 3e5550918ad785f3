"""Conflicts of interest (opc_community.accounts.conflicts): staff accounts do not apply, and nobody
reviews, approves or decides their own application, case, complaint, appeal, objection, reward or score.

Every service that decides about a person is walked with a member of staff of the deciding role who
is also the person concerned (a staff account that holds a resident record, filed the objection…):
refused with the Chinese message, nothing written. The same call about someone else is not refused
for a conflict (it may still fail for its own reasons, e.g. a state that does not allow the step).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone, translation

from discipline.models import RewardChoice
from discipline.services import appeals as discipline_appeals
from discipline.services import cases, reward_grants, rewards
from opc_community.accounts.conflicts import (
    ConflictOfInterest,
    ensure_not_own,
    ensure_not_staff_applicant,
    is_self_dealing,
)
from opc_community.accounts.permissions import is_staff_account
from opc_community.accounts.roles import Role
from opc_community.core.errors import DomainError
from opc_community.notices.models import Objection, PublicationKind
from opc_community.notices.services import objection_decide, publication_open
from residents.models import (
    Application,
    ApplicationStatus,
    DepositOutcome,
    Exit,
    ExitKind,
    ExitStatus,
    InvoiceKind,
    RenewalRequest,
    ResidentStatus,
)
from residents.services import agreements, complaints, intake, ledger, lifecycle
from resources.models import ActivityKind
from resources.services.attendance import attendance_record
from scoring.services import appeals as score_appeals
from scoring.services import input_sheets as score_sheets
from scoring.services import inputs as score_inputs
from scoring.services import signoff
from spaces.models import PermitKind
from spaces.services import desks, permits
from tests.discipline.support.cases import evidence, on_day, open_case, to_notice, to_published
from tests.factories import UserFactory
from tests.residents.factories import AgreementFactory, ApplicationFactory, ResidentFactory
from tests.resources.factories import ActivityFactory
from tests.scoring.factories import ScoreAppealFactory, ScoreCardFactory
from tests.scoring.support.inputs import make_quarter, stored_input
from tests.spaces.factories import DeskChangeRequestFactory, PermitFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 12)  # a Monday (the discipline tests' standing clock)


@pytest.fixture(autouse=True)
def _clock():
    with on_day(TODAY):
        yield


def _writes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables")
        return int(cursor.fetchone()[0])


def staff(role: str, username: str):
    return UserFactory(username=username, is_staff=True, roles=[role])


# --- The predicate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_id", "concerned", "expected"),
    [
        (1, 1, True),
        (1, 2, False),
        (1, None, False),
        (1, [2, 3, 1], True),
        (1, (None, 2), False),
        (1, [], False),
        (None, 1, False),  # the system (scheduled jobs) is never a party
    ],
)
def test_is_self_dealing(actor_id, concerned, expected):
    actor = None if actor_id is None else type("Actor", (), {"pk": actor_id})()
    assert is_self_dealing(actor, concerned) is expected


def test_the_refusal_names_what_and_who_decides_instead(resident_a):
    with translation.override("zh-hans"), pytest.raises(ConflictOfInterest) as refused:
        ensure_not_own(resident_a, concerned_user=resident_a, what="这份申请")
    assert refused.value.status_code == 403 and refused.value.code == "conflict_of_interest"
    assert "这份申请" in str(refused.value.message) and "利益冲突" in str(refused.value.message)


# --- Staff accounts do not apply -----------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.STAFF)
def test_staff_accounts_cannot_start_an_application(role):
    user = staff(role, "staff_applicant")
    before = _writes()
    with translation.override("zh-hans"), pytest.raises(ConflictOfInterest) as refused:
        intake.application_save_draft(applicant=user, details=intake.ApplicationDetails(), actor=user)
    assert refused.value.code == "staff_account" and "工作人员账号" in str(refused.value.message)
    assert _writes() == before and not Application.objects.filter(applicant=user).exists()


@pytest.mark.parametrize(
    ("make", "is_staff"),
    [
        (lambda: UserFactory(username="plain"), False),
        (lambda: UserFactory(username="flag_only", is_staff=True), True),
        (lambda: UserFactory(username="group_only", roles=[Role.OVERSIGHT]), True),
        (lambda: UserFactory(username="root", is_superuser=True), True),
    ],
)
def test_what_counts_as_a_staff_account(make, is_staff):
    assert is_staff_account(make()) is is_staff


def test_an_outsider_may_apply(outsider):
    application = intake.application_save_draft(applicant=outsider, details=intake.ApplicationDetails(), actor=outsider)
    assert application.status == ApplicationStatus.DRAFT


def test_a_draft_left_by_someone_who_joined_the_staff_cannot_be_submitted_or_approved(intake_staff):
    user = UserFactory(username="new_hire")
    draft = ApplicationFactory(applicant=user, status=ApplicationStatus.DRAFT)
    evaluated = ApplicationFactory(status=ApplicationStatus.EVALUATED)
    for account in (user, evaluated.applicant):
        account.is_staff = True
        account.save()
    with pytest.raises(ConflictOfInterest):
        intake.application_submit(application=draft, actor=user)
    with pytest.raises(ConflictOfInterest):
        intake.application_approve(application=evaluated, actor=intake_staff)
    assert not evaluated.applicant.groups.filter(name=Role.RESIDENT).exists()


def test_the_portal_does_not_offer_the_application_to_staff(client_for, intake_staff, outsider):
    staff_client = client_for(intake_staff)
    assert staff_client.get("/portal/residents/application/edit/").status_code == 403
    assert "/portal/residents/application/edit/" not in staff_client.get("/portal/").content.decode()
    assert client_for(outsider).get("/portal/residents/application/edit/").status_code == 200


def test_the_api_refuses_an_application_from_staff(client_for, oversight):
    response = client_for(oversight).post("/api/v1/applications/", {"project_summary": "x"},
                                          content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "staff_account"
    assert not Application.objects.exists()


def test_ensure_not_staff_applicant_lets_a_person_without_a_role_through(outsider):
    ensure_not_staff_applicant(outsider)


# --- Nobody decides their own matter: (service, role, relation) -----------------------------------------
#
# ``build(owner, helpers)`` arranges the matter of ``owner`` (its resident record is ``owner.member``)
# with other staff (``helpers``) and returns the decision as a function of the actor.


class Helpers:
    def __init__(self):
        self.daily = staff(Role.DAILY, "helper_daily")
        self.admin = staff(Role.ADMINISTRATOR, "helper_admin")
        self.intake = staff(Role.INTAKE, "helper_intake")


def _member(user):
    user.member = ResidentFactory(user=user, name=user.full_name)
    return user.member


def _application(status):
    def build(owner, helpers):
        application = ApplicationFactory(applicant=owner, status=status)
        step = {ApplicationStatus.SUBMITTED: "reject", ApplicationStatus.EVALUATION: "record_evaluation",
                ApplicationStatus.EVALUATED: "approve"}[status]
        return lambda actor: intake.application_review_step(
            application=application, step=step, actor=actor, reason="理由", feasibility="可行", fit="契合")
    return build


def _case_open(owner, helpers):
    return lambda actor: open_case(owner.member, actor)


def _case_verify(owner, helpers):
    case = open_case(owner.member, helpers.daily)
    return lambda actor: cases.case_verify(case=case, actor=actor, evidence=[evidence()])


def _case_dismiss(owner, helpers):
    case = open_case(owner.member, helpers.daily)
    return lambda actor: cases.case_dismiss(case=case, actor=actor, reason="不成立")


def _case_decide(owner, helpers):
    case = open_case(owner.member, helpers.daily)
    to_notice(case, helpers.daily)
    case.refresh_from_db()
    return lambda actor: cases.case_decide(case=case, actor=actor)


def _appeal_decide(owner, helpers):
    case = open_case(owner.member, helpers.daily)
    to_published(case, helpers.daily, helpers.admin)
    appeal = discipline_appeals.appeal_submit(case=case, resident=owner.member, reason="事实有误", actor=owner)
    return lambda actor: discipline_appeals.appeal_decide(appeal=appeal, upheld=True, answer="复核成立", actor=actor)


def _reward_verify(owner, helpers):
    return lambda actor: rewards.reward_verify_other(
        resident=owner.member, choice=RewardChoice.RESOURCE_SUPPORT, support="路演指导", reason="组织志愿活动",
        actor=actor)


def _reward_publish(owner, helpers):
    reward = rewards.reward_verify_other(
        resident=owner.member, choice=RewardChoice.RESOURCE_SUPPORT, support="路演指导", reason="组织志愿活动",
        actor=helpers.admin)
    return lambda actor: reward_grants.reward_publish(reward=reward, actor=actor)


def _volunteer(owner, helpers):
    return lambda actor: rewards.volunteer_service_record(
        resident=owner.member, served_on=TODAY, activity="迎新志愿服务", actor=actor)


def _input_verify(owner, helpers):
    data = stored_input(make_quarter(), owner.member)
    return lambda actor: score_inputs.input_verify(input=data, actor=actor)


def _input_import(owner, helpers):
    quarter = make_quarter()
    row = {"resident_id": owner.member.pk, "milestones_done": 4, "revenue": 1}
    return lambda actor: score_sheets.inputs_import(quarter=quarter, rows=[(2, row)], reason="补录", actor=actor)


def _quarter_confirm(owner, helpers):
    quarter = make_quarter(number=2, due=date(2026, 7, 10), status="drafted")
    ScoreCardFactory(quarter=quarter, resident=owner.member, total=80)
    return lambda actor: signoff.quarter_confirm(quarter=quarter, actor=actor)


def _score_appeal(owner, helpers):
    quarter = make_quarter(number=2, due=date(2026, 7, 10), status="published")
    appeal = ScoreAppealFactory(card=ScoreCardFactory(quarter=quarter, resident=owner.member, total=55))
    return lambda actor: score_appeals.score_appeal_decide(appeal=appeal, upheld=False, answer="维持", actor=actor)


def _objection_of(owner, helpers):
    publication = publication_open(kind=PublicationKind.SERVICE_PROCEDURE, title="服务流程", body="流程说明", staff_text={},
                                   actor=helpers.admin)
    objection = Objection.objects.create(publication=publication, author=owner, text="有误")
    return lambda actor: objection_decide(objection=objection, upheld=False, reason="无误", actor=actor)


def _objection_about(owner, helpers):
    publication = publication_open(kind=PublicationKind.SERVICE_PROCEDURE, title="服务流程", body="流程说明", staff_text={},
                                   concerned_user=owner, actor=helpers.admin)
    objection = Objection.objects.create(publication=publication, author=helpers.daily, text="有误")
    return lambda actor: objection_decide(objection=objection, upheld=True, reason="成立", actor=actor)


def _complaint(owner, helpers):
    complaint = complaints.complaint_file(resident=owner.member, category="facilities", subject="空调",
                                          text="不制冷", actor=owner)
    return lambda actor: complaints.complaint_respond(complaint=complaint, text="已派人检修", actor=actor)


def _renewal(owner, helpers):
    renewal = RenewalRequest.objects.create(resident=owner.member, agreement=AgreementFactory(resident=owner.member))
    return lambda actor: lifecycle.renewal_refuse(renewal=renewal, reason="不符合条件", actor=actor)


def _exit(owner, helpers):
    leaving = Exit.objects.create(resident=owner.member, kind=ExitKind.VOLUNTARY, status=ExitStatus.REQUESTED,
                                  requested_on=TODAY, exit_on=TODAY + timedelta(days=10),
                                  deposit_outcome=DepositOutcome.REFUND)
    return lambda actor: lifecycle.exit_confirm(exit=leaving, actor=actor)


def _payment(owner, helpers):
    invoice = ledger.invoice_create(resident=owner.member, kind=InvoiceKind.OTHER, amount=Decimal("100.00"),
                                    description="场地费", due_on=TODAY, actor=None)
    return lambda actor: ledger.payment_record(invoice=invoice, amount="100.00", paid_on=TODAY, method="bank_transfer",
                                               actor=actor)


def _agreement(owner, helpers):
    owner.member.status = ResidentStatus.ONBOARDING
    owner.member.save()
    return lambda actor: agreements.agreement_issue(
        resident=owner.member, starts_on=TODAY, fee_amount=Decimal("800.00"), fee_period="monthly",
        deposit_amount=Decimal("2000.00"), actor=actor)


def _permit(owner, helpers):
    start = timezone.now() + timedelta(days=3)
    permit = PermitFactory(resident=owner.member, kind=PermitKind.POSTERS, title="招聘海报", place="一楼大厅",
                           starts_at=start, ends_at=start + timedelta(days=2), description="张贴两天")
    return lambda actor: permits.permit_approve(permit=permit, actor=actor)


def _desk_request(owner, helpers):
    request = DeskChangeRequestFactory(resident=owner.member)
    return lambda actor: desks.desk_request_refuse(request=request, reason="暂无空位", actor=actor)


def _attendance(owner, helpers):
    activity = ActivityFactory(title="AI 沙龙", kind=ActivityKind.SALON, starts_at=timezone.now() - timedelta(minutes=10),
                               ends_at=timezone.now() + timedelta(hours=1), place="路演厅", created_by=helpers.admin)
    return lambda actor: attendance_record(activity=activity, resident=owner.member, method="list", actor=actor)


#: (service, deciding role, how the actor is concerned, arrangement)
CASES = [
    ("application_review_step reject", Role.INTAKE, "applicant", _application(ApplicationStatus.SUBMITTED)),
    ("application_review_step evaluate", Role.ADMINISTRATOR, "applicant",
     _application(ApplicationStatus.EVALUATION)),
    ("application_review_step approve", Role.INTAKE, "applicant", _application(ApplicationStatus.EVALUATED)),
    ("case_open", Role.DAILY, "resident account holder", _case_open),
    ("case_verify", Role.DAILY, "resident account holder", _case_verify),
    ("case_dismiss", Role.ADMINISTRATOR, "resident account holder", _case_dismiss),
    ("case_decide", Role.ADMINISTRATOR, "resident account holder", _case_decide),
    ("appeal_decide", Role.ADMINISTRATOR, "appellant", _appeal_decide),
    ("reward_verify_other", Role.ADMINISTRATOR, "rewarded resident", _reward_verify),
    ("reward_publish", Role.ADMINISTRATOR, "rewarded resident", _reward_publish),
    ("volunteer_service_record", Role.ADMINISTRATOR, "volunteer", _volunteer),
    ("input_verify", Role.ADMINISTRATOR, "scored resident", _input_verify),
    ("inputs_import", Role.ADMINISTRATOR, "a row of the sheet", _input_import),
    ("quarter_confirm", Role.ADMINISTRATOR, "scored in the quarter", _quarter_confirm),
    ("score_appeal_decide", Role.ADMINISTRATOR, "appellant", _score_appeal),
    ("objection_decide", Role.INTAKE, "author of the objection", _objection_of),
    ("objection_decide", Role.DAILY, "subject of the publication", _objection_about),
    ("complaint_respond", Role.DAILY, "complainant", _complaint),
    ("renewal_refuse", Role.INTAKE, "renewing resident", _renewal),
    ("exit_confirm", Role.DAILY, "leaving resident", _exit),
    ("payment_record", Role.INTAKE, "invoiced resident", _payment),
    ("agreement_issue", Role.INTAKE, "admitted resident", _agreement),
    ("permit_approve", Role.DAILY, "applicant for the permit", _permit),
    ("desk_request_refuse", Role.DAILY, "requesting resident", _desk_request),
    ("attendance_record", Role.RESOURCES, "attendee", _attendance),
]


@pytest.mark.parametrize(("service", "role", "relation", "build"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_member_of_staff_cannot_decide_their_own_matter(service, role, relation, build):
    helpers = Helpers()
    actor = staff(role, "dual_role")
    _member(actor)
    decide = build(actor, helpers)
    before = _writes()
    with translation.override("zh-hans"), pytest.raises(ConflictOfInterest) as refused:
        decide(actor)
    assert "利益冲突" in str(refused.value.message)
    assert _writes() == before, f"{service} wrote before refusing"


@pytest.mark.parametrize(("service", "role", "relation", "build"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_the_same_decision_about_someone_else_is_no_conflict(service, role, relation, build):
    helpers = Helpers()
    actor = staff(role, "dual_role")
    _member(actor)  # the actor is a resident too, but this matter is another person's
    other = UserFactory(username="another_resident", roles=[Role.RESIDENT])
    _member(other)
    decide = build(other, helpers)
    try:
        with transaction.atomic():
            decide(actor)
    except (DomainError, PermissionDenied) as error:
        assert not isinstance(error, ConflictOfInterest), f"{service}: {error}"


def test_a_handler_writing_on_a_complaint_of_their_own_writes_as_the_resident():
    actor = staff(Role.DAILY, "dual_role")
    colleague = staff(Role.DAILY, "helper_daily")
    member = _member(actor)
    complaint = complaints.complaint_file(resident=member, category="facilities", subject="空调", text="不制冷",
                                          actor=actor)
    complaints.complaint_message(complaint=complaint, text="补充：二楼", actor=actor)
    # The team hears of the filing and of the message, as from any resident; nothing goes to the
    # resident's portal as if staff had answered.
    assert colleague.notifications.filter(title__contains="空调").count() == 2
    assert not actor.notifications.filter(link__startswith="/portal/").exists()


def test_a_case_about_the_only_administrator_cannot_be_decided_by_them():
    """The administrator who is the subject is refused; another administrator decides (escalation)."""
    helpers = Helpers()
    lead = staff(Role.ADMINISTRATOR, "lead")
    _member(lead)
    case = open_case(lead.member, helpers.daily)
    to_notice(case, helpers.daily)
    case.refresh_from_db()
    with pytest.raises(ConflictOfInterest):
        cases.case_decide(case=case, actor=lead)
    cases.case_decide(case=case, actor=helpers.admin)
    case.refresh_from_db()
    assert case.decided_by == helpers.admin
