"""The residents' demo data (``residents/demo.py``): every state of the residents' workflows, built once.

``manage.py seed_demo`` runs it after the accounts, notices and portal seeders; running it
again changes nothing (natural keys), and it shows each stage of the review, the three demo
residents in their situations, a former resident with a ban, and complaints at each SLA state.
The seeders are run here up to ``residents`` (the ones it depends on); the whole command is
tests/core/test_demo.py's.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from opc_community.core.audit import acting_as
from opc_community.core.demo import SEEDERS, Demo
from opc_community.portal.models import Notification
from opc_community.workdays.rules import local_date
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Ban,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Exit,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    Resident,
    ResidentStatus,
)
from residents.selectors import ledger as ledger_selectors
from residents.selectors.intake import may_read_materials
from spaces.models import Desk, DeskAssignment
from tests.residents.support.agreements import use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """The generated materials go to a temporary folder, never to the checkout's .data/."""
    return use_private_storage(settings, tmp_path)


def seed() -> None:
    """What ``seed_demo`` does, for the seeders up to and including this app's."""
    demo = Demo(now=timezone.now())
    with acting_as(None, command="seed_demo"):
        for module in SEEDERS[: SEEDERS.index("residents") + 1]:
            import_module(f"{module}.demo").seed(demo)
        import_module("residents.demo").seed_history(demo)


@pytest.fixture
def seeded():
    seed()
    return local_date(timezone.now())


def _counts() -> dict[str, int]:
    models = [*apps.get_app_config("residents").get_models(), Desk, DeskAssignment, Notification,
              apps.get_model("accounts", "User")]
    return {model._meta.label: model.objects.count() for model in models if not model.__name__.endswith("Event")}


def _resident(username: str) -> Resident:
    return Resident.objects.select_related("application").get(user__username=username)


def test_seeding_twice_changes_nothing(seeded):
    # Given the demo community seeded once
    first = _counts()
    assert first["residents.Application"] >= 12 and first["residents.Complaint"] >= 6

    # When the seeders run again
    seed()

    # Then no row was added or removed
    assert _counts() == first


def test_the_agreement_pdfs_render_after_commit_without_progress_lines(
    django_capture_on_commit_callbacks, caplog, private_storage
):
    # Given WeasyPrint's progress logger at its usual level
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    caplog.set_level(logging.INFO)

    # When the seed commits (the agreement PDFs are rendered by commit callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    # Then the PDFs are in the archive, no progress line was printed, and the level is back
    agreement = Agreement.objects.get(resident__user__username="zhangsan")
    assert "-accepted" in agreement.document.name and agreement.document.name.endswith(".pdf")
    assert (private_storage / agreement.document.name).read_bytes().startswith(b"%PDF-")
    assert not [r for r in caplog.records if r.name.startswith("weasyprint.progress")]
    assert progress.level == level


def test_applicants_at_every_review_stage(seeded):
    today = seeded
    now = timezone.now()
    by_user = {a.applicant.username: a for a in Application.objects.select_related("applicant")
               .filter(applicant__username__startswith="applicant")}
    assert by_user["applicant1"].status == ApplicationStatus.DRAFT
    # submitted within the initial-review deadline, and submitted overdue (第三章第二条: 7 working days)
    assert by_user["applicant2"].status == ApplicationStatus.SUBMITTED and by_user["applicant2"].review_due_at > now
    overdue = by_user["applicant3"]
    assert overdue.status == ApplicationStatus.SUBMITTED and local_date(overdue.review_due_at) < today
    assert overdue.submitted_at < now - timedelta(days=10)
    assert by_user["applicant4"].status == ApplicationStatus.EVALUATION
    evaluated = by_user["applicant5"]
    assert evaluated.status == ApplicationStatus.EVALUATED and evaluated.result_due_at > now
    assert evaluated.evaluation_feasibility and evaluated.evaluation_fit
    assert by_user["applicant6"].status == ApplicationStatus.RETURNED and by_user["applicant6"].decision_reason
    assert by_user["applicant7"].status == ApplicationStatus.REJECTED and "第三章第一条" in by_user["applicant7"].decision_reason
    approved = by_user["applicant8"]
    assert approved.status == ApplicationStatus.APPROVED
    assert approved.resident.status == ResidentStatus.ONBOARDING and not approved.resident.agreements.exists()

    # The transitions are dated back with their application (history in order, never in the future)
    for application in by_user.values():
        moments = list(application.transitions.values_list("at", flat=True))
        assert moments == sorted(moments) and all(moment <= now for moment in moments)
        if application.submitted_at:
            assert moments[0] == application.submitted_at


def test_materials_are_valid_small_files_in_private_storage(seeded, private_storage):
    documents = list(ApplicationDocument.objects.select_related("application__applicant"))
    assert {d.content_type for d in documents} == {"application/pdf", "image/png"}
    for document in documents:
        with document.file.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF-" if document.content_type == "application/pdf" else b"\x89PNG\r\n\x1a\n")
        assert content.rstrip().endswith(b"%%EOF" if document.content_type == "application/pdf" else b"IEND\xaeB`\x82")
        assert 0 < document.size < 2048
        assert (private_storage / document.file.name).exists()
    # The draft lacks its project plan: its page lists the missing material.
    draft = Application.objects.get(applicant__username="applicant1")
    assert [d.kind for d in draft.documents.all()] == ["id_card"]
    assert may_read_materials(draft.applicant, draft)


def test_the_three_demo_residents(seeded):
    today = seeded
    zhangsan, ouyang, lisi = (_resident(name) for name in ("zhangsan", "ouyang", "lisi"))
    for resident in (zhangsan, ouyang):
        assert resident.status == ResidentStatus.ACTIVE and resident.acknowledgements.exists()
        assert resident.agreements.get().status == AgreementStatus.ACCEPTED
        assert DeskAssignment.objects.filter(resident=resident, ends_at__isnull=True).exists()

    # 张三: checked in today through the services, nothing owed, deposit held
    assert local_date(zhangsan.checked_in_at) == today
    assert ledger_selectors.resident_balance(zhangsan) > 0  # the months ahead are billed…
    assert not ledger_selectors.unpaid_due_by(zhangsan, today).exists()  # …and nothing due is unpaid
    assert ledger_selectors.deposit_held(zhangsan) == zhangsan.agreements.get().deposit_amount

    # 欧阳娜娜: agreement ending within 30 days, reminder sent once, renewal requested, one invoice overdue
    agreement = ouyang.agreements.get()
    assert today < agreement.ends_on <= today + timedelta(days=30)
    assert agreement.renewal_reminder_sent_at is not None
    assert RenewalRequest.objects.filter(agreement=agreement, status="requested").exists()
    [overdue] = ledger_selectors.overdue_invoices(today=today, resident=ouyang)
    assert overdue.days_overdue > 0 and Decimal("0") < overdue.balance < overdue.amount  # partly paid
    assert ledger_selectors.invoices_paid_late(ouyang, since=agreement.starts_on).count() == 1

    # 李四: agreement ended, exit on expiry in the 7-day grace period, fees cleared
    assert lisi.status == ResidentStatus.EXITING
    assert lisi.agreements.get().status == AgreementStatus.ENDED
    exit = Exit.objects.get(resident=lisi)
    assert exit.kind == ExitKind.EXPIRY and exit.status == ExitStatus.SCHEDULED
    assert exit.exit_on < today <= exit.grace_ends_on
    assert list(exit.clearances.values_list("item", flat=True)) == ["fees_settled"]
    assert DeskAssignment.objects.filter(resident=lisi, ends_at__isnull=True).exists()  # still at the desk


def test_a_former_resident_forced_out_with_a_ban_in_the_archive(seeded):
    today = seeded
    former = _resident("zhaoliu")
    assert former.status == ResidentStatus.EXITED and former.exited_on < today
    assert former.retain_until > today + timedelta(days=365 * 2)  # kept 3 years after the exit (第三章第五条)
    exit = Exit.objects.get(resident=former)
    assert (exit.kind, exit.status, exit.deposit_outcome) == (ExitKind.FORCED, ExitStatus.COMPLETED, "forfeit")
    assert exit.clearances.count() == 5
    ban = Ban.objects.get(resident=former)
    assert ban.starts_on == former.exited_on and ban.ends_on > today
    assert ban.id_number == former.application.id_number and ban.uscc == former.application.uscc
    assert ledger_selectors.deposit_held(former) == 0
    assert ledger_selectors.resident_balance(former) > 0  # the compensation stays owed after a forced exit
    assert not DeskAssignment.objects.filter(resident=former, ends_at__isnull=True).exists()
    assert Agreement.objects.get(resident=former).status == AgreementStatus.ENDED


def test_complaints_at_every_sla_state(seeded):
    now = timezone.now()
    complaints = list(Complaint.objects.all())
    states = {c.status for c in complaints}
    assert {ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS, ComplaintStatus.SOLVED, ComplaintStatus.CLOSED} <= states
    overdue = [c for c in complaints if c.responded_at is None and local_date(c.response_due_at) < local_date(now)]
    assert len(overdue) == 1
    assert any(c.channel == ComplaintChannel.SUGGESTION_BOX for c in complaints)
    # Last month's closed complaints feed the monthly SLA report, one of them solved late.
    closed = [c for c in complaints if c.status == ComplaintStatus.CLOSED]
    assert len(closed) == 2 and any(c.solution_late for c in closed) and any(not c.solution_late for c in closed)
    for complaint in complaints:
        assert complaint.filed_at <= now and complaint.solution_due_at >= complaint.response_due_at
        moments = list(complaint.messages.values_list("at", flat=True))
        assert all(complaint.filed_at <= moment <= now for moment in moments)


def test_desks_and_one_desk_per_resident(seeded):
    assert Desk.objects.count() >= 10
    assert Desk.objects.values("floor").distinct().count() >= 2
    open_per_desk = DeskAssignment.objects.filter(ends_at__isnull=True).values("desk").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in open_per_desk)


def test_the_funnel_has_a_year_of_history(seeded):
    # 第二章第二条1 (residents/demo_funnel.py): three applications a month for the twelve months before this one
    from residents.rules.term import add_months
    from residents.selectors.funnel import funnel

    this_month = seeded.replace(day=1)
    result = funnel(first=add_months(this_month, -12), last=add_months(this_month, -1))
    lines = result.lines("")
    assert len(lines) == 12 and all(line.applications >= 3 for line in lines)
    assert result.total["paper"].applications >= 12 and result.total[""].checked_in >= 6
    assert result.total[""].exited >= 6 and len([k for k, n in result.total[""].exits.items() if n]) >= 2
    # history only: nobody of it is checked in now
    assert not Resident.objects.filter(user__username__startswith="history").exclude(
        status=ResidentStatus.EXITED).exists()


def test_a_mediation_in_progress_and_an_faq_entry(seeded):
    from residents.models import Mediation, MediationStatus, RuleFaq

    mediation = Mediation.objects.select_related("requester__user", "respondent__user").get()
    assert (mediation.requester.user.username, mediation.respondent.user.username) == ("ouyang", "zhangsan")
    assert mediation.status == MediationStatus.SCHEDULED and mediation.statements.count() == 1
    faq = RuleFaq.objects.select_related("publication").get()
    assert faq.topic == "violation:7" and faq.publication.title.startswith("规则常见问题")
    assert "欧阳" not in faq.publication.body
