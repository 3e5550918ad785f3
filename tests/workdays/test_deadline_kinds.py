"""A calendar change recomputes every open provisional deadline (RULEBOOK §2; ``workdays.registry``).

The story of every test: on Wednesday 2026-12-30 an event starts a deadline that reaches into 2027,
whose schedule is not loaded — so it is counted Monday to Friday and stored provisional. Staff then
load 2027 with New Year's Day off (Fri 01-01 to Sun 01-03): the deadline moves one working day
later, stops being provisional, an overdue notice raised under the old date is withdrawn (and raised
again by the next flag job once the new date passes), and the change is recorded per kind.
"""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pghistory.models
import pytest

from discipline.models import Appeal, Reward, RewardKind, RewardStatus
from discipline.services.appeals import appeals_flag_overdue
from discipline.services.reward_grants import rewards_flag_overdue
from opc_community import workdays
from opc_community.notices.models import Publication, PublicationKind
from opc_community.notices.services import publication_close, publication_open
from opc_community.portal.models import Notification
from opc_community.workdays import registry, services
from opc_community.workdays.files import Day
from opc_community.workdays.models import CalendarChange, CalendarYear, SpecialDay
from opc_community.workdays.registry import deadline_kinds
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import provisional_summary
from residents.models import ApplicationStatus, Complaint, ComplaintStatus
from residents.services import complaint_deadlines
from residents.services import complaints as complaint_services
from scoring.models import ScoreAppeal
from scoring.selectors.quarters import publication_of
from scoring.services.appeals import score_appeal_submit, score_appeals_flag_overdue
from tests.discipline.support.cases import open_case
from tests.residents.factories import ApplicationFactory
from tests.residents.support.complaints import at, file_complaint, sh
from tests.scoring.factories import ScoreCardFactory
from tests.scoring.support.cards import published_cast
from tests.scoring.support.inputs import make_quarter, member

pytestmark = pytest.mark.django_db

EVENT = sh(2026, 12, 30, 10, 0)  # Wednesday; 2026-12-31 is a working day
NEW_YEAR_2027 = [Day(date(2027, 1, day), "holiday", "元旦") for day in (1, 2, 3)]
ALL_KINDS = {
    "residents.application_review", "residents.application_result", "residents.complaint",
    "discipline.appeal", "discipline.reward_grant", "scoring.score_appeal", "notices.publication_window",
    "discipline.case_publication", "notices.objection_decision",
    "residents.mediation", "residents.rule_question",
    "resources.voucher_review", "resources.policy_help", "resources.service_request",
}


def load_2027(actor, days=NEW_YEAR_2027, *, when=EVENT):
    with at(when):
        return services.year_load(year=2027, days=days, actor=actor)


def due(moment: datetime) -> date:
    return local_date(moment)


def stored(provisional_from: datetime, working_days: int):
    """What a service stores at EVENT for a deadline of ``working_days`` (via the calendar API)."""
    return workdays.deadline(provisional_from, working_days)


def test_every_app_with_a_working_day_deadline_registers_it():
    assert {kind.key for kind in deadline_kinds()} == ALL_KINDS


def test_the_fallback_makes_every_deadline_of_the_story_provisional():
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert stored(EVENT, 2).provisional is True


# --- Complaints (第四章第四条) ---------------------------------------------------------------------------


def test_a_holiday_moves_a_provisional_complaint_clears_its_flag_and_is_recorded(
    member_a, daily_staff, administrator
):
    complaint = file_complaint(member_a, at=EVENT)
    assert (due(complaint.response_due_at), due(complaint.solution_due_at)) == (date(2027, 1, 1), date(2027, 1, 8))
    assert complaint.due_provisional is True
    # Saturday morning: the response looked overdue under the provisional date, and was flagged.
    assert complaint_deadlines.complaints_flag_overdue(now=sh(2027, 1, 2, 9, 0)) == 1

    change = load_2027(administrator, when=sh(2027, 1, 2, 9, 30))

    complaint.refresh_from_db()
    assert (due(complaint.response_due_at), due(complaint.solution_due_at)) == (date(2027, 1, 4), date(2027, 1, 11))
    assert complaint.response_due_at == sh(2027, 1, 4, 23, 59, 59)
    assert complaint.due_provisional is False
    assert not Notification.objects.filter(kind="residents.complaint_response_overdue").exists()
    assert change.results["residents.complaint"] == {"deadlines": 2, "moved": 2, "settled": 1, "flags_cleared": 1}
    assert (change.actor, change.source, change.moved) == (administrator, CalendarChange.Source.FILE, 2)
    assert "2027" in change.summary
    # The audit trail holds the move, under the calendar change.
    last = pghistory.models.Events.objects.tracks(complaint).order_by("-pgh_id").first()
    assert last.pgh_label == "update"
    assert last.pgh_context["action"] == "workdays.year_load"
    assert last.pgh_context["user"] == administrator.pk
    # The flag follows the new date: not overdue on Saturday, overdue on Tuesday.
    assert complaint_deadlines.complaints_flag_overdue(now=sh(2027, 1, 2, 10, 0)) == 0
    assert complaint_deadlines.complaints_flag_overdue(now=sh(2027, 1, 5, 9, 0)) == 1
    (flag,) = Notification.objects.filter(kind="residents.complaint_response_overdue")
    assert flag.dedupe_key.endswith("2027-01-04")


def test_an_adjusted_working_day_brings_a_deadline_forward_and_the_next_flag_job_raises_it(
    member_a, daily_staff, administrator
):
    complaint = file_complaint(member_a, at=EVENT)
    with at(sh(2027, 1, 1, 9, 0)):
        complaint_services.complaint_respond(complaint=complaint, text="已安排维修。", actor=daily_staff)
    friday = sh(2027, 1, 8, 10, 0)
    assert complaint_deadlines.complaints_flag_overdue(now=friday) == 0  # solution due end of 01-08

    change = load_2027(administrator, [Day(date(2027, 1, 2), "workday", "元旦调休")], when=friday)

    complaint.refresh_from_db()
    assert due(complaint.solution_due_at) == date(2027, 1, 7)  # Sat 01-02 counts: one day earlier
    assert due(complaint.response_due_at) == date(2027, 1, 1)  # answered: its deadline stays as judged
    assert complaint.due_provisional is False
    assert change.results["residents.complaint"] == {"deadlines": 1, "moved": 1, "settled": 1, "flags_cleared": 0}
    assert complaint_deadlines.complaints_flag_overdue(now=friday) == 1
    assert Notification.objects.filter(kind="residents.complaint_solution_overdue").exists()


def test_a_reopened_complaint_is_recomputed_from_its_reopening(member_a, daily_staff, administrator):
    complaint = file_complaint(member_a, at=sh(2026, 12, 1, 10, 0))
    with at(sh(2026, 12, 2, 10, 0)):
        complaint_services.complaint_solve(complaint=complaint, text="已更换空调。", actor=daily_staff)
    with at(EVENT):
        complaint = complaint_services.complaint_reopen(complaint=complaint, reason="仍不制冷。", actor=member_a.user)
    assert complaint.reopened_at == EVENT
    assert (due(complaint.solution_due_at), complaint.due_provisional) == (date(2027, 1, 8), True)

    load_2027(administrator)

    complaint.refresh_from_db()
    assert (due(complaint.solution_due_at), complaint.due_provisional) == (date(2027, 1, 11), False)
    assert complaint.status == ComplaintStatus.IN_PROGRESS


def test_closed_and_final_complaints_are_left_alone(member_a, member_b, daily_staff, administrator):
    final = file_complaint(member_a, at=sh(2026, 10, 12, 10, 0))
    solved = file_complaint(member_b, at=EVENT)
    with at(EVENT):
        complaint_services.complaint_solve(complaint=solved, text="已处理。", actor=daily_staff)
    before = {c.pk: (c.response_due_at, c.solution_due_at) for c in Complaint.objects.all()}

    change = load_2027(administrator)

    assert {c.pk: (c.response_due_at, c.solution_due_at) for c in Complaint.objects.all()} == before
    assert change.results["residents.complaint"]["deadlines"] == 0
    assert final.due_provisional is False


# --- Applications (第三章第二条) --------------------------------------------------------------------------


def test_application_review_and_result_deadlines_move(administrator):
    review = stored(EVENT, 7)
    result = stored(EVENT, 2)
    submitted = ApplicationFactory(submitted_at=EVENT, review_due_at=review.at, review_due_provisional=True)
    evaluated = ApplicationFactory(
        status=ApplicationStatus.EVALUATED, submitted_at=sh(2026, 12, 10, 10, 0), evaluated_at=EVENT,
        result_due_at=result.at, result_due_provisional=True, id_number="440106199003075670",
    )

    change = load_2027(administrator)

    submitted.refresh_from_db()
    evaluated.refresh_from_db()
    assert (due(submitted.review_due_at), submitted.review_due_provisional) == (date(2027, 1, 11), False)
    assert (due(evaluated.result_due_at), evaluated.result_due_provisional) == (date(2027, 1, 4), False)
    assert change.results["residents.application_review"]["moved"] == 1
    assert change.results["residents.application_result"]["moved"] == 1


# --- Requests for review (复核, 第八章第二条) and score appeals (申诉, 第六章第三条) ---------------------------


@pytest.fixture
def appeal(member_a, daily_staff):
    with at(sh(2026, 12, 28, 10, 0)):
        case = open_case(member_a, daily_staff, occurred_on=date(2026, 12, 28))
    answer = stored(EVENT, 3)
    return Appeal.objects.create(case=case, resident=member_a, reason="当天我不在社区。", submitted_at=EVENT,
                                 answer_due_at=answer.at, due_provisional=answer.provisional)


def test_a_request_for_review_moves_and_its_overdue_notice_is_withdrawn(appeal, administrator):
    assert due(appeal.answer_due_at) == date(2027, 1, 4)
    tuesday = sh(2027, 1, 5, 9, 0)
    assert appeals_flag_overdue(now=tuesday) == 1

    change = load_2027(administrator, when=tuesday)

    appeal.refresh_from_db()
    assert (due(appeal.answer_due_at), appeal.due_provisional) == (date(2027, 1, 5), False)
    assert change.results["discipline.appeal"] == {"deadlines": 1, "moved": 1, "settled": 1, "flags_cleared": 1}
    assert not Notification.objects.filter(kind="discipline.appeal_overdue").exists()
    assert appeals_flag_overdue(now=tuesday) == 0
    assert appeals_flag_overdue(now=sh(2027, 1, 6, 9, 0)) == 1


def test_a_score_appeal_follows_its_provisional_deadline(resident_a, administrator):
    resident = member(resident_a, name="张三")
    card = ScoreCardFactory(quarter=make_quarter(number=4, due=date(2026, 12, 31)), resident=resident, total=70)
    answer = stored(EVENT, 3)
    appeal = ScoreAppeal.objects.create(card=card, resident=resident, reason="请核实签到记录。", submitted_at=EVENT,
                                        answer_due_at=answer.at, due_provisional=answer.provisional)
    assert score_appeals_flag_overdue(now=sh(2027, 1, 5, 9, 0)) == 1

    change = load_2027(administrator, when=sh(2027, 1, 5, 9, 0))

    appeal.refresh_from_db()
    assert (due(appeal.answer_due_at), appeal.due_provisional) == (date(2027, 1, 5), False)
    assert change.results["scoring.score_appeal"] == {"deadlines": 1, "moved": 1, "settled": 1, "flags_cleared": 1}
    assert not Notification.objects.filter(kind="scoring.appeal_overdue").exists()


def test_a_score_appeal_lodged_late_in_december_is_stored_provisional(resident_a, resident_b, administrator):
    cast = published_cast(resident_a, resident_b, administrator)
    Publication.objects.filter(pk=publication_of(cast.quarter).pk).update(
        window_ends_at=sh(2027, 1, 8, 23, 59, 59), leaves_board_at=sh(2027, 2, 8, 0, 0))
    with at(EVENT):
        appeal = score_appeal_submit(card=cast.card(cast.warned), resident=cast.warned, reason="请核实签到记录。",
                                     actor=cast.warned.user)
    assert (due(appeal.answer_due_at), appeal.due_provisional) == (date(2027, 1, 4), True)


# --- Reward grants (第八章第一条) -------------------------------------------------------------------------


def test_a_reward_grant_moves_from_the_start_of_its_grant_period(member_a, administrator):
    grant = stored(EVENT, 10)
    reward = Reward.objects.create(
        resident=member_a, kind=RewardKind.OTHER, year=2026, reason="组织社区开源分享会。", status=RewardStatus.APPROVED,
        verified_by=administrator, verified_at=sh(2026, 12, 20, 10, 0), rulebook_version=1,
        grant_period_starts_at=EVENT, grant_due_at=grant.at, grant_due_provisional=grant.provisional,
    )
    assert due(reward.grant_due_at) == date(2027, 1, 13)
    assert rewards_flag_overdue(now=sh(2027, 1, 14, 9, 0)) == 1

    change = load_2027(administrator, when=sh(2027, 1, 14, 9, 0))

    reward.refresh_from_db()
    assert (due(reward.grant_due_at), reward.grant_due_provisional) == (date(2027, 1, 14), False)
    assert change.results["discipline.reward_grant"] == {"deadlines": 1, "moved": 1, "settled": 1, "flags_cleared": 1}
    assert rewards_flag_overdue(now=sh(2027, 1, 14, 9, 0)) == 0


def test_a_reward_approved_when_its_window_closes_stores_its_grant_period_and_provisional_deadline(
    member_a, administrator
):
    reward = Reward.objects.create(
        resident=member_a, kind=RewardKind.OTHER, year=2026, reason="组织社区开源分享会。", status=RewardStatus.PUBLISHED,
        verified_by=administrator, verified_at=sh(2026, 12, 20, 10, 0), rulebook_version=1,
    )
    publication = publication_open(
        kind=PublicationKind.REWARD_DECISION, title="奖励公示", body="拟给予奖励。", staff_text={}, subject=reward,
        starts_at=sh(2026, 12, 24, 10, 0), actor=administrator,
    )
    publication_close(publication=publication, now=EVENT)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    assert reward.grant_period_starts_at == publication.window_ends_at == sh(2026, 12, 29, 23, 59, 59)
    assert (due(reward.grant_due_at), reward.grant_due_provisional) == (date(2027, 1, 12), True)

    load_2027(administrator)

    reward.refresh_from_db()
    assert (due(reward.grant_due_at), reward.grant_due_provisional) == (date(2027, 1, 13), False)


# --- Publication windows (RULEBOOK §10) -------------------------------------------------------------------


def test_an_open_publication_window_and_its_leaving_the_board_move(administrator):
    publication = publication_open(
        kind=PublicationKind.PENALTY_DECISION, title="关于入驻主体张*违规使用空间的处罚决定",
        body="依据第八章第二条，给予警告。", staff_text={}, starts_at=EVENT, actor=administrator,
    )
    assert (due(publication.window_ends_at), publication.window_provisional) == (date(2027, 1, 4), True)
    leaves = publication.leaves_board_at

    change = load_2027(administrator)

    publication.refresh_from_db()
    assert (due(publication.window_ends_at), publication.window_provisional) == (date(2027, 1, 5), False)
    assert publication.leaves_board_at == leaves + timedelta(days=1)
    assert change.results["notices.publication_window"]["moved"] == 1


def test_an_objections_decide_by_moves_and_its_late_notice_is_withdrawn(administrator, resident_b):
    from opc_community.notices.services import objection_submit, objections_overdue_flag

    publication = publication_open(
        kind=PublicationKind.POLICY_NOTICE, title="关于开放周末自习室的通知",
        body="周末自习室开放时间调整。", staff_text={}, starts_at=EVENT, actor=administrator,
    )
    with at(EVENT):
        objection = objection_submit(publication=publication, author=resident_b, text="时间安排不合理")
    assert (due(objection.decide_due_at), objection.decide_due_provisional) == (date(2027, 1, 4), True)
    tuesday = sh(2027, 1, 5, 9, 0)
    assert objections_overdue_flag(now=tuesday) == 1

    change = load_2027(administrator, when=tuesday)

    objection.refresh_from_db()
    assert (due(objection.decide_due_at), objection.decide_due_provisional) == (date(2027, 1, 5), False)
    assert change.results["notices.objection_decision"]["flags_cleared"] == 1
    assert not Notification.objects.filter(kind="notices.objection_overdue").exists()
    assert objections_overdue_flag(now=tuesday) == 0
    assert objections_overdue_flag(now=sh(2027, 1, 6, 9, 0)) == 1


# --- Still provisional, and idempotent -------------------------------------------------------------------


def test_days_entered_without_marking_the_year_loaded_move_deadlines_that_stay_provisional(
    member_a, administrator
):
    complaint = file_complaint(member_a, at=EVENT)
    with at(EVENT):
        change = services.special_day_save(day=SpecialDay(date=date(2027, 1, 1), kind="holiday", name="元旦"),
                                           actor=administrator)

    complaint.refresh_from_db()
    assert (due(complaint.response_due_at), complaint.due_provisional) == (date(2027, 1, 4), True)
    assert change.results["residents.complaint"]["settled"] == 0
    assert change.source == CalendarChange.Source.ADMIN
    assert provisional_summary().total == 1


def test_loading_again_moves_nothing(member_a, administrator):
    file_complaint(member_a, at=EVENT)
    load_2027(administrator)
    again = load_2027(administrator)
    assert again.moved == 0
    assert all(result["deadlines"] == 0 for result in again.results.values())
    assert CalendarChange.objects.count() == 2


def test_the_preview_counts_what_the_load_will_do_and_keeps_nothing(member_a, administrator):
    complaint = file_complaint(member_a, at=EVENT)
    with at(EVENT):
        preview = services.year_load_preview(year=2027, days=NEW_YEAR_2027, actor=administrator)
    assert preview.results["residents.complaint"]["moved"] == 2
    complaint.refresh_from_db()
    assert complaint.due_provisional is True
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarChange.objects.exists()


def test_a_failing_recompute_rolls_the_calendar_change_back(member_a, administrator, monkeypatch):
    file_complaint(member_a, at=EVENT)

    def broken() -> None:
        raise RuntimeError("boom")

    kind = next(kind for kind in deadline_kinds() if kind.key == "residents.complaint")
    monkeypatch.setitem(registry._kinds, kind.key, replace(kind, recompute=broken))
    with pytest.raises(RuntimeError):
        load_2027(administrator)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarChange.objects.exists()


def test_recomputing_thousands_of_rows_takes_a_fixed_number_of_queries(
    member_a, administrator, django_assert_max_num_queries
):
    response, solution = stored(EVENT, 2), stored(EVENT, 7)
    Complaint.objects.bulk_create(
        Complaint(resident=member_a, filed_by=member_a.user, channel="portal", category="other",
                  subject=f"诉求 {number}", text=f"内容 {number}", filed_at=EVENT, response_due_at=response.at,
                  solution_due_at=solution.at, due_provisional=True)
        for number in range(2500)
    )
    with at(EVENT), django_assert_max_num_queries(20):
        moves, result = services.recompute_deadlines(
            Complaint.objects.all(), provisional="due_provisional",
            fields=[services.DeadlineField("response_due_at", "filed_at", lambda day: 2)],
        )
    assert (len(moves), result.settled) == (0, 0)  # 2027 not loaded yet: nothing moves, all provisional
    CalendarYear.objects.create(year=2027)
    with django_assert_max_num_queries(20):
        moves, result = services.recompute_deadlines(
            Complaint.objects.all(), provisional="due_provisional",
            fields=[services.DeadlineField("response_due_at", "filed_at", lambda day: 2)],
        )
    assert (result.deadlines, result.settled) == (2500, 2500)
    assert not Complaint.objects.filter(due_provisional=True).exists()
