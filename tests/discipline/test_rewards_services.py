"""Rewards and volunteer service (第八章第一条): every state change through the services."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from discipline.models import (
    CaseStatus,
    DecisionLedgerEntry,
    LedgerKind,
    Reward,
    RewardChoice,
    RewardKind,
    RewardStatus,
    VolunteerService,
)
from discipline.selectors import rewards as selectors
from discipline.services import reward_grants
from discipline.services import rewards as services
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.notices.models import Publication, PublicationOutcome, PublicationStatus
from opc_community.notices.services import objection_decide, objection_submit, publication_close
from opc_community.portal.models import Notification
from spaces.models import RoadshowCredit
from spaces.selectors.bookings import credit_balance
from spaces.services.credits import credit_grant
from tests.discipline.support.rewards import (  # noqa: F401  (fixtures)
    SH,
    TODAY,
    at,
    check_in,
    eligible,
    member_a,
    member_b,
    on_day,
    today,
    violation,
    volunteer,
)

pytestmark = pytest.mark.django_db

PUBLISHED_ON = date(2026, 9, 28)  # a Monday before the National Day holidays (2026-10-01 … 10-07)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SH)


def ledger(event: str) -> list[DecisionLedgerEntry]:
    return [e for e in DecisionLedgerEntry.objects.filter(kind=LedgerKind.REWARD) if e.content["event"] == event]


def propose(member, administrator, *, year: int = 2026) -> Reward:
    return services.reward_propose_compliance(resident=member, year=year, actor=administrator)


def publish_and_close(reward, administrator, *, published_on: date = PUBLISHED_ON):
    with on_day(published_on):
        reward_grants.reward_publish(reward=reward, actor=administrator)
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    with on_day(date(2026, 10, 9), 0, 5):  # the hourly job after the window
        publication_close(publication=publication, now=at(date(2026, 10, 9), 0, 5))
    reward.refresh_from_db()
    publication.refresh_from_db()
    return publication


# --- Volunteer service ------------------------------------------------------------------------------


def test_staff_record_a_volunteer_service_and_the_resident_is_told(today, member_a, administrator):
    check_in(member_a, date(2026, 1, 5))
    service = services.volunteer_service_record(
        resident=member_a, served_on=date(2026, 10, 10), activity=" 路演日引导 ", hours=Decimal("2.5"),
        actor=administrator,
    )
    assert (service.activity, service.hours, service.recorded_by) == ("路演日引导", Decimal("2.5"), administrator)
    note = Notification.objects.get(recipient=member_a.user, kind="discipline.volunteer_recorded")
    assert "路演日引导" in note.title and "1" in note.body


@pytest.mark.parametrize(
    ("served_on", "activity", "hours", "field"),
    [
        (date(2026, 10, 13), "活动", None, "served_on"),  # tomorrow
        (date(2026, 1, 4), "活动", None, "served_on"),  # before the check-in on 2026-01-05
        (date(2026, 10, 1), "  ", None, "activity"),
        (date(2026, 10, 1), "活动", Decimal("0"), "hours"),
        (date(2026, 10, 1), "活动", Decimal("24.1"), "hours"),
    ],
)
def test_a_volunteer_service_that_cannot_be_recorded_is_refused(
    today, member_a, administrator, served_on, activity, hours, field
):
    check_in(member_a, date(2026, 1, 5))
    with pytest.raises(DomainError) as refused:
        services.volunteer_service_record(
            resident=member_a, served_on=served_on, activity=activity, hours=hours, actor=administrator
        )
    assert refused.value.field == field
    assert not VolunteerService.objects.exists()


def test_only_staff_holding_the_permission_record_volunteer_services(today, member_a, daily_staff, resident_a):
    for actor in (daily_staff, resident_a):
        with pytest.raises(PermissionDenied):
            services.volunteer_service_record(resident=member_a, served_on=TODAY, activity="活动", actor=actor)
    assert not VolunteerService.objects.exists()


# --- Compliance excellence: eligibility through the database ---------------------------------------------


@pytest.mark.parametrize(
    ("occurred_on", "status", "eligible_now"),
    [
        (date(2026, 3, 1), CaseStatus.CONFIRMED, False),  # a confirmed violation in the year
        (date(2026, 3, 1), CaseStatus.DECIDED, False),  # decided, not annulled: counts
        (date(2026, 3, 1), CaseStatus.PUBLISHED, False),
        (date(2026, 3, 1), CaseStatus.ANNULLED, True),  # annulled on appeal: does not count
        (date(2026, 3, 1), CaseStatus.DISMISSED, True),
        (date(2026, 3, 1), CaseStatus.FOUND, True),  # not yet verified
        (date(2025, 12, 31), CaseStatus.CONFIRMED, True),  # the previous year
    ],
)
def test_violations_of_the_year_in_a_counting_status_exclude(
    today, member_a, administrator, occurred_on, status, eligible_now
):
    eligible(member_a, administrator)
    violation(member_a, occurred_on=occurred_on, status=status)
    candidate = selectors.compliance_candidate(member_a, year=2026, today=TODAY)
    assert candidate.eligible is eligible_now


@pytest.mark.parametrize(("services_count", "is_eligible"), [(7, False), (8, True)])
def test_eight_volunteer_services_in_the_year(today, member_a, administrator, services_count, is_eligible):
    check_in(member_a, date(2026, 1, 5))
    volunteer(member_a, administrator, services_count)
    volunteer(member_a, administrator, 5, year=2025)  # other years do not count
    assert selectors.compliance_candidate(member_a, year=2026, today=TODAY).eligible is is_eligible


@pytest.mark.parametrize(("judged", "is_eligible"), [(date(2026, 6, 30), False), (date(2026, 7, 1), True)])
def test_six_full_months_checked_in(member_a, administrator, judged, is_eligible):
    check_in(member_a, date(2026, 1, 1))
    volunteer(member_a, administrator, 8)
    assert selectors.compliance_candidate(member_a, year=2026, today=judged).eligible is is_eligible


def test_propose_compliance_excellence_for_an_eligible_resident(today, member_a, administrator):
    eligible(member_a, administrator)
    reward = propose(member_a, administrator)
    assert (reward.kind, reward.year, reward.status, reward.rulebook_version) == (
        RewardKind.COMPLIANCE, 2026, RewardStatus.VERIFIED, 1)
    assert "9 个完整月" in reward.reason and "志愿服务 8 次" in reward.reason
    assert Notification.objects.filter(recipient=member_a.user, kind="discipline.reward_verified").count() == 1
    assert not DecisionLedgerEntry.objects.exists()  # a proposal is not yet a decision


def test_an_ineligible_resident_is_refused_with_the_failing_conditions_and_nothing_is_written(
    today, member_a, administrator
):
    check_in(member_a, date(2026, 1, 5))
    volunteer(member_a, administrator, 7)
    with pytest.raises(DomainError) as refused:
        propose(member_a, administrator)
    assert "志愿服务 7 次，至少需要 8 次" in str(refused.value.message)
    assert not Reward.objects.exists()


def test_compliance_excellence_at_most_once_a_year(today, member_a, administrator):
    eligible(member_a, administrator)
    first = propose(member_a, administrator)
    with pytest.raises(ConflictError) as refused:
        propose(member_a, administrator)
    assert "每年至多一次" in str(refused.value.message)
    # The database refuses it too, whoever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(resident=member_a, kind=RewardKind.COMPLIANCE, year=2026, reason="x",
                              verified_by=administrator, verified_at=first.verified_at, rulebook_version=1)
    # Once annulled, the year is free again; other kinds stack.
    reward_grants.reward_annul(reward=first, reason="核实有误", actor=administrator)
    assert propose(member_a, administrator).status == RewardStatus.VERIFIED
    services.reward_verify_other(resident=member_a, choice=RewardChoice.CASH, amount="200", reason="组织技术分享",
                                 actor=administrator)
    services.reward_verify_innovation(resident=member_a, level="municipal", amount="1000", certificate="广州市创新创业大赛",
                                      reason="获奖", actor=administrator)
    assert Reward.objects.filter(resident=member_a).exclude(status=RewardStatus.ANNULLED).count() == 3


def test_only_the_administrator_decides_rewards(today, member_a, administrator, daily_staff, oversight):
    eligible(member_a, administrator)
    for actor in (daily_staff, oversight):
        with pytest.raises(PermissionDenied):
            propose(member_a, actor)
    assert not Reward.objects.exists()


# --- Innovation and other contributions: amounts within the range -------------------------------------------


@pytest.mark.parametrize(
    ("level", "amount", "message"),
    [
        ("municipal", "999.99", "市级创业奖项的奖励金额应在 ¥1,000.00–¥3,000.00 之间（第八章第一条）。"),
        ("municipal", "3000.01", "¥1,000.00–¥3,000.00"),
        ("provincial", "4999.99", "省级及以上创业奖项的奖励金额应在 ¥5,000.00–¥10,000.00 之间（第八章第一条）。"),
        ("provincial", "10000.01", "¥5,000.00–¥10,000.00"),
        ("provincial", "", "¥5,000.00–¥10,000.00"),
    ],
)
def test_an_innovation_amount_outside_the_range_is_refused_and_nothing_written(
    today, member_a, administrator, level, amount, message
):
    with pytest.raises(DomainError) as refused:
        services.reward_verify_innovation(resident=member_a, level=level, amount=amount, certificate="证书 2026-001",
                                          reason="获奖", actor=administrator)
    assert refused.value.field == "amount" and message in str(refused.value.message)
    assert not Reward.objects.exists() and not Notification.objects.filter(recipient=member_a.user).exists()


@pytest.mark.parametrize(("level", "amount"), [("municipal", "1000"), ("municipal", "3000"),
                                                ("provincial", "5000"), ("provincial", "10000")])
def test_an_innovation_amount_on_the_bounds_is_accepted(today, member_a, administrator, level, amount):
    pdf = SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%cert\n", content_type="application/pdf")
    reward = services.reward_verify_innovation(
        resident=member_a, level=level, amount=amount, certificate="省科技厅 创新大赛 证书 2026-001",
        reason="获奖", evidence=pdf, actor=administrator,
    )
    assert (reward.amount, reward.choice, reward.level) == (Decimal(amount), RewardChoice.CASH, level)
    assert reward.evidence.name.startswith("rewards/")


def test_a_certificate_scan_is_checked_by_its_content(today, member_a, administrator):
    fake = SimpleUploadedFile("cert.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError) as refused:
        services.reward_verify_innovation(resident=member_a, level="municipal", amount="2000", certificate="证书",
                                          reason="获奖", evidence=fake, actor=administrator)
    assert refused.value.field == "evidence"
    assert not Reward.objects.exists()


@pytest.mark.parametrize(
    ("choice", "amount", "support", "field"),
    [
        (RewardChoice.CASH, "99.99", "", "amount"),
        (RewardChoice.CASH, "500.01", "", "amount"),
        (RewardChoice.RESOURCE_SUPPORT, None, "", "support"),
        (RewardChoice.ROADSHOW_CREDITS, None, "", "choice"),
    ],
)
def test_other_contribution_refusals(today, member_a, administrator, choice, amount, support, field):
    with pytest.raises(DomainError) as refused:
        services.reward_verify_other(resident=member_a, choice=choice, amount=amount, support=support,
                                     reason="组织技术分享", actor=administrator)
    assert refused.value.field == field
    assert not Reward.objects.exists()


def test_other_contribution_as_resource_support(today, member_a, administrator):
    reward = services.reward_verify_other(resident=member_a, choice=RewardChoice.RESOURCE_SUPPORT,
                                          support="免费算力 100 小时", reason="开源贡献", actor=administrator)
    assert (reward.amount, reward.support) == (None, "免费算力 100 小时")


# --- The whole process: published → approved → granted, over the holidays -----------------------------------


def test_publication_then_approval_then_grant_with_deadlines_over_the_holidays(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
        services.reward_choose(reward=reward, choice=RewardChoice.ROADSHOW_CREDITS, actor=member_a.user)
    publication = publish_and_close(reward, administrator)
    # Window: 3 working days after Mon 28 Sep → 29, 30 Sep, (1–7 Oct holidays), 8 Oct.
    assert publication.window_ends_at == end_of(date(2026, 10, 8))
    assert publication.outcome == PublicationOutcome.TAKES_EFFECT
    # Grant: 10 working days after 8 Oct → 9, 10 (adjusted working Saturday), 12–16, 19, 20, 21 Oct.
    assert reward.status == RewardStatus.APPROVED
    assert reward.grant_due_at == end_of(date(2026, 10, 21))
    assert [e.content["grant_due_at"] for e in ledger("approved")] == [end_of(date(2026, 10, 21)).isoformat()]
    with on_day(date(2026, 10, 13)):
        reward_grants.reward_grant(reward=reward, actor=administrator)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.GRANTED and reward.granted_by == administrator
    assert credit_balance(member_a) == 2
    credit = RoadshowCredit.objects.get(source_key=f"reward:{reward.pk}")
    assert (credit.change, credit.max_hours) == (2, 3)
    granted = ledger("granted")
    assert len(granted) == 1 and granted[0].content["late"] is False and granted[0].content["credit"] == credit.pk
    kinds = set(Notification.objects.filter(recipient=member_a.user).values_list("kind", flat=True))
    assert {"discipline.reward_verified", "discipline.reward_published", "discipline.reward_approved",
            "discipline.reward_granted"} <= kinds


def test_credits_are_granted_once(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
        services.reward_choose(reward=reward, choice=RewardChoice.ROADSHOW_CREDITS, actor=member_a.user)
    publish_and_close(reward, administrator)
    with on_day(date(2026, 10, 13)):
        reward_grants.reward_grant(reward=reward, actor=administrator)
        with pytest.raises(InvalidTransition):
            reward_grants.reward_grant(reward=reward, actor=administrator)
        # The booking app's grant is keyed by the reward: a retry adds nothing.
        credit_grant(resident=member_a, count=2, max_hours=3, source_key=f"reward:{reward.pk}", actor=administrator)
    assert credit_balance(member_a) == 2
    assert RoadshowCredit.objects.filter(resident=member_a).count() == 1
    assert len(ledger("granted")) == 1


def test_an_upheld_objection_annuls_the_reward(member_a, administrator, outsider):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
    with on_day(PUBLISHED_ON):
        reward_grants.reward_publish(reward=reward, actor=administrator)
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    with on_day(date(2026, 9, 29)):
        objection = objection_submit(publication=publication, author=outsider, text="该入驻主体曾有违规行为。")
        objection_decide(objection=objection, upheld=True, reason="经核实属实", actor=administrator)
    with on_day(date(2026, 10, 9), 0, 5):
        publication_close(publication=publication, now=at(date(2026, 10, 9), 0, 5))
    reward.refresh_from_db()
    assert reward.status == RewardStatus.ANNULLED and reward.grant_due_at is None
    assert "异议" in reward.annul_reason
    assert [e.content["status"] for e in ledger("annulled")] == [RewardStatus.ANNULLED]
    assert Notification.objects.filter(recipient=member_a.user, kind="discipline.reward_annulled").exists()
    with pytest.raises(InvalidTransition):
        reward_grants.reward_grant(reward=reward, actor=administrator)


def test_an_objection_decided_after_the_window_starts_the_grant_period_then(member_a, administrator, outsider):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
    with on_day(PUBLISHED_ON):
        reward_grants.reward_publish(reward=reward, actor=administrator)
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    with on_day(date(2026, 9, 30)):
        objection = objection_submit(publication=publication, author=outsider, text="有疑问。")
    with on_day(date(2026, 10, 9), 0, 5):
        publication_close(publication=publication, now=at(date(2026, 10, 9), 0, 5))
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.AWAITING_DECISION
    with on_day(date(2026, 10, 12)):
        objection_decide(objection=objection, upheld=False, reason="不属实", actor=administrator)
    reward.refresh_from_db()
    # 10 working days after Mon 12 Oct: 13–16, 19–23, 26 Oct.
    assert reward.status == RewardStatus.APPROVED and reward.grant_due_at == end_of(date(2026, 10, 26))


def test_the_close_hook_is_safe_to_run_twice(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
    publication = publish_and_close(reward, administrator)
    reward_grants.reward_publication_closed(publication, overturned=True)  # a stray second call
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    assert len(ledger("approved")) == 1


def test_the_grant_needs_the_choice_and_a_record_of_cash(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        compliance = propose(member_a, administrator)
        cash = services.reward_verify_other(resident=member_a, choice=RewardChoice.CASH, amount="300",
                                            reason="组织技术分享", actor=administrator)
    publish_and_close(compliance, administrator)
    publish_and_close(cash, administrator)
    with on_day(date(2026, 10, 13)):
        with pytest.raises(DomainError) as no_choice:
            reward_grants.reward_grant(reward=compliance, actor=administrator)
        assert no_choice.value.field == "choice"
        with pytest.raises(DomainError) as no_note:
            reward_grants.reward_grant(reward=cash, actor=administrator)
        assert no_note.value.field == "note"
        reward_grants.reward_grant(reward=cash, note="银行转账 2026101300123", actor=administrator)
        services.reward_choose(reward=compliance, choice=RewardChoice.VOUCHER_SUBSIDY, actor=administrator)
        compliance.refresh_from_db()
        assert compliance.amount == Decimal("500.00")
        reward_grants.reward_grant(reward=compliance, note="算力券 SL-2026-0042", actor=administrator)
    assert Reward.objects.filter(status=RewardStatus.GRANTED).count() == 2
    assert credit_balance(member_a) == 0  # the subsidy gives no credits


def test_the_choice_belongs_to_the_resident(today, member_a, member_b, administrator):
    eligible(member_a, administrator)
    reward = propose(member_a, administrator)
    with pytest.raises(PermissionDenied):
        services.reward_choose(reward=reward, choice=RewardChoice.ROADSHOW_CREDITS, actor=member_b.user)
    with pytest.raises(DomainError):
        services.reward_choose(reward=reward, choice=RewardChoice.CASH, actor=member_a.user)
    reward.refresh_from_db()
    assert reward.choice == ""


def test_annulling_a_published_reward_withdraws_its_publication(today, member_a, administrator):
    eligible(member_a, administrator)
    reward = propose(member_a, administrator)
    reward_grants.reward_publish(reward=reward, actor=administrator)
    reward_grants.reward_annul(reward=reward, reason="核实有误", actor=administrator)
    reward.refresh_from_db()
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    assert reward.status == RewardStatus.ANNULLED and publication.status == PublicationStatus.WITHDRAWN
    assert len(ledger("annulled")) == 1
    with pytest.raises(DomainError):
        reward_grants.reward_annul(reward=reward, reason="", actor=administrator)


# --- The public board: masked -----------------------------------------------------------------------------


def test_the_public_body_is_masked(today, member_a, administrator):
    eligible(member_a, administrator)
    reward = propose(member_a, administrator)
    reward_grants.reward_publish(reward=reward, actor=administrator)
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    text = publication.title + publication.body
    application = member_a.application
    assert "张*" in text and "张三" not in text
    assert application.phone not in text and application.id_number not in text
    assert "第八章第一条" in publication.body


def test_a_company_is_published_by_its_registered_name(today, member_a, administrator):
    # RULEBOOK §10: a company by its registered name (the rule: residents/rules/naming.py)
    application = member_a.application
    application.entity_type, application.company_name = "opc_company", "广州智算科技有限公司"
    application.save(update_fields=["entity_type", "company_name"])
    eligible(member_a, administrator)
    reward = propose(member_a, administrator)
    reward_grants.reward_publish(reward=reward, actor=administrator)
    publication = Publication.objects.get(object_id=reward.pk, kind="reward_decision")
    assert "广州智算科技有限公司" in publication.title and "广州智算科技有限公司" in publication.body
    assert "张三" not in publication.title + publication.body


# --- Overdue grants, archive ----------------------------------------------------------------------------------


def test_overdue_grants_are_flagged_to_the_administrator_once(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
    publish_and_close(reward, administrator)
    assert reward_grants.rewards_flag_overdue(now=at(date(2026, 10, 21), 23)) == 0  # still due today
    assert reward_grants.rewards_flag_overdue(now=at(date(2026, 10, 22), 8)) == 1
    assert reward_grants.rewards_flag_overdue(now=at(date(2026, 10, 23), 8)) == 0
    assert Notification.objects.filter(recipient=administrator, kind="discipline.reward_grant_overdue").count() == 1


def test_rewards_are_in_the_archive(member_a, administrator):
    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
        services.reward_choose(reward=reward, choice=RewardChoice.ROADSHOW_CREDITS, actor=member_a.user)
    publish_and_close(reward, administrator)
    with on_day(date(2026, 10, 13)):
        reward_grants.reward_grant(reward=reward, actor=administrator)
    entries = selectors.archive_entries(member_a)
    assert [e.section for e in entries] == ["reward", "reward"]
    assert "合规优秀" in entries[0].title and "发放" in entries[1].title


def test_the_voucher_subsidy_is_granted_as_a_voucher_in_the_ledger_once(member_a, administrator):
    """第八章第一条 算力券补贴: granting it issues a compute-voucher grant in the resources ledger (RULEBOOK §8)."""
    from resources.models import EntryKind, GrantSource, VoucherGrant

    with on_day(date(2026, 9, 25)):
        eligible(member_a, administrator)
        reward = propose(member_a, administrator)
        services.reward_choose(reward=reward, choice=RewardChoice.VOUCHER_SUBSIDY, actor=member_a.user)
    publish_and_close(reward, administrator)
    with on_day(date(2026, 10, 13)):
        reward_grants.reward_grant(reward=reward, actor=administrator)
        with pytest.raises(InvalidTransition):
            reward_grants.reward_grant(reward=reward, actor=administrator)
    grant = VoucherGrant.objects.get(source_key=f"reward:{reward.pk}")
    assert (grant.resident, grant.source, grant.amount, grant.balance) == (
        member_a, GrantSource.REWARD, Decimal("500.00"), Decimal("500.00"))
    assert grant.entries.get().kind == EntryKind.REWARD
    reward.refresh_from_db()
    assert grant.number in reward.grant_note
