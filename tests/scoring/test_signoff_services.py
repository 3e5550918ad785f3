"""Human sign-off (PIPL Art. 24), publication, appeals and effects of a quarter (第六章第二条、第三条)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from opc_community.core.errors import InvalidTransition
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.notices.services import objection_decide, objection_submit, publication_close
from opc_community.portal.models import Notification
from residents.models import Exit, ExitKind, ResidentStatus
from scoring.models import (
    Contribution,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterStatus,
    ScoreAppeal,
    ScoreAppealStatus,
    ScoreCard,
    ScoreChange,
)
from scoring.services import signoff
from scoring.services.inputs import Correction
from scoring.services.run import quarter_recompute, quarter_run
from tests.residents.factories import AgreementFactory
from tests.rulebook.factories import RulebookVersionFactory, first_version
from tests.scoring.factories import ScoreAppealFactory, ScoreCardFactory
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_input

pytestmark = pytest.mark.django_db

PUBLISHED_AT = sh(2026, 10, 12, 10)  # Monday; the window ends on Thursday 10-15 at 23:59:59
AFTER_WINDOW = sh(2026, 10, 16, 1)


@pytest.fixture
def cast(resident_a, resident_b):
    """张三 scores 75 (ok), 欧阳娜娜 65 after a 65 last quarter (warning), 王* submitted nothing (eliminated)."""
    quarter = make_quarter()
    good = member(resident_a, name="张三")
    warned = member(resident_b, name="欧阳娜娜")
    idle = member(name="王小明")
    AgreementFactory(resident=idle)
    data = stored_input(quarter, good, status=InputStatus.VERIFIED)  # plans accepted, results verified by staff
    Contribution.objects.create(input=data, kind="open_source", description="SDK", verified=True)
    stored_input(quarter, warned, status=InputStatus.VERIFIED)
    previous = make_quarter(number=2, status=QuarterStatus.FINAL, rulebook_version=1)
    ScoreCardFactory(quarter=previous, resident=warned, total=65, streak_below_threshold=1)
    quarter_run(quarter=quarter)
    return quarter, good, warned, idle


def _card(quarter, resident) -> ScoreCard:
    return ScoreCard.objects.get(quarter=quarter, resident=resident)


def _publish(quarter, administrator) -> Publication:
    signoff.quarter_confirm(quarter=quarter, actor=administrator)
    with at(PUBLISHED_AT):
        return signoff.quarter_publish(quarter=quarter, actor=administrator)


def test_the_draft_gives_the_expected_outcomes(cast):
    quarter, good, warned, idle = cast
    assert (_card(quarter, good).total, _card(quarter, good).outcome) == (75, "ok")
    assert (_card(quarter, warned).total, _card(quarter, warned).outcome) == (65, "warning")
    assert _card(quarter, idle).outcome == "eliminated"


def test_only_the_administrator_confirms_and_publishes(cast, daily_staff, oversight, administrator):
    quarter = cast[0]
    for someone in (daily_staff, oversight):
        with pytest.raises(PermissionDenied):
            signoff.quarter_confirm(quarter=quarter, actor=someone)
    with pytest.raises(InvalidTransition):  # a draft cannot be published without confirmation
        signoff.quarter_publish(quarter=quarter, actor=administrator)
    confirmed = signoff.quarter_confirm(quarter=quarter, actor=administrator)
    assert (confirmed.status, confirmed.confirmed_by) == (QuarterStatus.CONFIRMED, administrator)
    reopened = signoff.quarter_reopen(quarter=quarter, actor=administrator)
    assert reopened.status == QuarterStatus.DRAFTED and reopened.confirmed_by is None


def test_an_empty_draft_cannot_be_confirmed(administrator):
    quarter = make_quarter(status=QuarterStatus.DRAFTED, rulebook_version=1)
    with pytest.raises(Exception, match="Q3"):
        signoff.quarter_confirm(quarter=quarter, actor=administrator)


def test_publication_shows_masked_names_totals_and_points_for_three_working_days(cast, administrator):
    quarter, good, warned, idle = cast
    publication = _publish(quarter, administrator)
    assert publication.kind == PublicationKind.QUARTERLY_SCORES and publication.subject == quarter
    assert publication.window_ends_at == datetime(2026, 10, 15, 23, 59, 59, tzinfo=PUBLISHED_AT.tzinfo)
    # The results are a table (one row per resident, highest total first); the text only frames it.
    rows = publication.table_rows
    names = [row[0] for row in rows]
    assert len(publication.table_columns) == len(rows[0]) == 8
    for full, masked in (("张三", "张*"), ("欧阳娜娜", "欧阳**")):
        assert full not in str(publication.table) + publication.body and masked in names
    assert idle.application.person_name not in str(publication.table)
    totals = [int(row[1]) for row in rows]
    assert totals == sorted(totals, reverse=True) and 75 in totals
    assert "100000" not in str(publication.table)  # points, no revenue
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED
    assert Notification.objects.filter(kind="scoring.quarter_published").count() == 3


def test_a_company_is_named_and_the_results_leave_the_board_30_days_after(cast, administrator):
    # RULEBOOK §10: a company by its registered name (residents/rules/naming.py); penalty and score
    # publications leave the public board 30 days after their window (rule data).
    quarter, good, warned, idle = cast
    application = warned.application
    application.entity_type, application.company_name = "opc_company", "广州欧阳智算科技有限公司"
    application.save(update_fields=["entity_type", "company_name"])
    publication = _publish(quarter, administrator)
    names = [row[0] for row in publication.table_rows]
    assert "广州欧阳智算科技有限公司" in names and "张*" in names
    assert "欧阳娜娜" not in str(publication.table) and "张三" not in str(publication.table)
    # The window ends Thu 10-15: shown through 11-14, gone from 00:00 on 11-15.
    assert publication.leaves_board_at == sh(2026, 11, 15, 0)


def test_after_the_window_eliminations_take_effect_and_warnings_are_told(cast, administrator):
    quarter, good, warned, idle = cast
    publication = _publish(quarter, administrator)
    with at(AFTER_WINDOW):
        publication_close(publication=publication, now=AFTER_WINDOW)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.FINAL
    exit = Exit.objects.get(resident=idle)
    assert exit.kind == ExitKind.ASSESSMENT
    idle.refresh_from_db()
    assert idle.status == ResidentStatus.EXITING
    assert not Exit.objects.filter(resident__in=[good, warned]).exists()
    assert Notification.objects.filter(recipient=warned.user, kind="scoring.warning").count() == 1
    assert not Notification.objects.filter(recipient=good.user, kind="scoring.warning").exists()


def test_the_window_must_be_over_before_the_results_take_effect(cast, administrator):
    quarter = cast[0]
    _publish(quarter, administrator)
    with at(sh(2026, 10, 14, 9)), pytest.raises(InvalidTransition):
        signoff.quarter_finalise(quarter=quarter, actor=administrator)


def test_an_upheld_appeal_recomputes_everyone_and_waits_for_its_decision(cast, administrator):
    quarter, good, warned, idle = cast
    publication = _publish(quarter, administrator)
    card = _card(quarter, idle)
    appeal = ScoreAppealFactory(card=card, reason="我提交过财务报表", submitted_at=sh(2026, 10, 13, 9),
                                answer_due_at=sh(2026, 10, 16, 23, 59))
    with at(AFTER_WINDOW):
        publication_close(publication=publication, now=AFTER_WINDOW)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED  # the pending appeal holds the effects back
    changes = signoff.apply_upheld_appeal(
        appeal=appeal, reason="复核成立：补录已提交的数据", actor=administrator,
        correction=Correction({"milestones_done": 4, "revenue": "100000"},
                              plan_values={"milestones_planned": 4, "revenue_target": "100000"}),
    )
    assert {(c.field, c.before, c.after) for c in changes if c.resident_id == idle.pk} >= {
        ("total", "10", "65"), ("outcome", "eliminated", "ok")}
    assert ScoreChange.objects.filter(quarter=quarter).count() == len(changes)
    assert QuarterInput.objects.get(quarter=quarter, resident=idle).correction_reason == "复核成立：补录已提交的数据"
    assert signoff.quarter_finalise_if_ready(quarter=quarter) is False  # still pending
    ScoreAppeal.objects.filter(pk=appeal.pk).update(status=ScoreAppealStatus.UPHELD)
    assert signoff.quarter_finalise_if_ready(quarter=quarter) is True
    assert not Exit.objects.filter(resident=idle).exists()


def test_an_appeal_cannot_change_a_final_quarter(cast, administrator):
    quarter, good, *_ = cast
    publication = _publish(quarter, administrator)
    with at(AFTER_WINDOW):
        publication_close(publication=publication, now=AFTER_WINDOW)
    appeal = ScoreAppeal(card=_card(quarter, good), resident=good)
    with pytest.raises(InvalidTransition):
        signoff.apply_upheld_appeal(appeal=appeal, reason="x", actor=administrator,
                                    correction=Correction({"milestones_done": 1}))


def test_an_upheld_objection_sends_the_quarter_back_to_draft(cast, administrator, outsider):
    quarter = cast[0]
    publication = _publish(quarter, administrator)
    with at(sh(2026, 10, 13, 9)):
        objection = objection_submit(publication=publication, author=outsider, text="名单有误")
        objection_decide(objection=objection, upheld=True, reason="核实有误", actor=administrator)
    with at(AFTER_WINDOW):
        publication_close(publication=publication, now=AFTER_WINDOW)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.DRAFTED
    assert not Exit.objects.exists()
    assert Notification.objects.filter(recipient=administrator, kind="scoring.quarter_overturned").exists()
    assert Publication.objects.get().status == PublicationStatus.CLOSED


def test_a_new_rulebook_version_does_not_change_a_confirmed_quarter(cast, administrator):
    """RULEBOOK §7.2: the quarter keeps the version it was confirmed with, recomputations included."""
    quarter, good, warned, idle = cast
    signoff.quarter_confirm(quarter=quarter, actor=administrator)
    before = list(ScoreCard.objects.filter(quarter=quarter).order_by("resident").values_list("resident", "total",
                                                                                              "outcome"))
    first = first_version()
    scoring = first.body["scoring"]
    body = {**first.body, "scoring": {**scoring, "contributions": {
        **scoring["contributions"], "bands": [{**band, "points": 0} for band in scoring["contributions"]["bands"]]}}}
    RulebookVersionFactory(number=2, title="权重调整", effective_from=sh(2026, 7, 1).date(), body=body)
    with pytest.raises(InvalidTransition):
        quarter_run(quarter=quarter)
    quarter_recompute(quarter=Quarter.objects.get(pk=quarter.pk), reason="复算")
    after = list(ScoreCard.objects.filter(quarter=quarter).order_by("resident").values_list("resident", "total",
                                                                                             "outcome"))
    assert after == before and _card(quarter, good).total == 75
    assert Quarter.objects.get(pk=quarter.pk).rulebook_version == 1
    assert Decimal(_card(quarter, good).contribution_points) == 10


def test_a_draft_computed_before_the_inputs_deadline_cannot_be_confirmed(resident_a, administrator):
    quarter = make_quarter()  # inputs due on 2026-10-09
    stored_input(quarter, member(resident_a), status=InputStatus.VERIFIED)
    with at(sh(2026, 10, 1, 2)):  # the scheduled run, day 1 at 02:00
        quarter_run(quarter=quarter)
    with pytest.raises(Exception, match="2026-10-09"):
        signoff.quarter_confirm(quarter=quarter, actor=administrator)
    with at(sh(2026, 10, 10, 9)):
        quarter_run(quarter=quarter)
        assert signoff.quarter_confirm(quarter=quarter, actor=administrator).status == QuarterStatus.CONFIRMED


# --- Every input decided before confirmation (RULEBOOK §7.1, decision added 2026-12) ---------------------


def test_confirmation_is_refused_while_anything_awaits_staff_naming_what_and_whose(resident_a, resident_b, administrator):
    from scoring.models import PlanChange, PlanStatus
    from scoring.services import inputs as input_services
    from scoring.services import plans as plan_services
    from tests.scoring.support.inputs import stored_plan

    quarter = make_quarter()
    zhang, ouyang, wang = member(resident_a, name="张三"), member(resident_b, name="欧阳娜娜"), member(name="王小明")
    plan = stored_plan(quarter, zhang, status=PlanStatus.SUBMITTED)
    accepted = stored_plan(quarter, ouyang)
    PlanChange.objects.create(plan=accepted, milestones_planned=3, revenue_target=1, previous_milestones_planned=4,
                              previous_revenue_target=1, reason="x", requested_by=ouyang.user,
                              requested_at=sh(2026, 8, 1, 9), answer_due_on=sh(2026, 8, 5, 9).date())
    stored_input(quarter, wang, plan=None)  # submitted, not verified
    stored_input(quarter, member(name="赵六"), status=InputStatus.DRAFT, plan=PlanStatus.DRAFT)  # never filed
    quarter_run(quarter=quarter)
    with pytest.raises(Exception) as refused:
        signoff.quarter_confirm(quarter=quarter, actor=administrator)
    message = str(refused.value.message)
    assert refused.value.code == "inputs_unreviewed"
    assert "1 份计划待接受或退回（张三）" in message
    assert "1 项计划变更待决定（欧阳娜娜）" in message
    assert "1 份结果待核实（王小明）" in message and "赵六" not in message  # a draft never filed holds nothing

    plan_services.plan_accept(plan=plan, actor=administrator)
    plan_services.plan_change_refuse(change=PlanChange.objects.get(), answer="依据不足", actor=administrator)
    input_services.input_correct(quarter=quarter, resident=wang, reason="营收无财务报表", actor=administrator,
                                 correction=input_services.Correction({}, rejected_results=["revenue"]))
    with pytest.raises(Exception) as outdated:  # decided after the draft: the draft no longer shows it
        signoff.quarter_confirm(quarter=quarter, actor=administrator)
    assert outdated.value.code == "draft_outdated"
    quarter_run(quarter=quarter)
    assert signoff.quarter_confirm(quarter=quarter, actor=administrator).status == QuarterStatus.CONFIRMED
    cards = {card.resident_id: card for card in ScoreCard.objects.filter(quarter=quarter)}
    assert (cards[zhang.pk].plan_accepted, cards[zhang.pk].completion_claim) == (True, "missing")  # results unfiled
    assert (cards[wang.pk].plan_accepted, cards[wang.pk].revenue_claim) == (False, "rejected")
    assert (cards[wang.pk].completion_points, cards[wang.pk].revenue_points) == (0, 0)


def test_a_refusal_names_at_most_ten_residents(administrator):
    quarter = make_quarter()
    for index in range(12):
        stored_input(quarter, member(name=f"李{index:02d}号"), plan=None)
    quarter_run(quarter=quarter)
    with pytest.raises(Exception) as refused:
        signoff.quarter_confirm(quarter=quarter, actor=administrator)
    message = str(refused.value.message)
    assert "12 份结果待核实" in message and "李09号" in message and "李10号" not in message
    assert "等另外 2 人" in message
