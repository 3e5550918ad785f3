"""Provisional deadlines of mediations and rule questions follow a calendar change (RULEBOOK §2):
requested on Wed 2026-12-30, before 2027's schedule is loaded, then 2027 loads with 01-01..01-03 off."""

from datetime import date

import pytest

from opc_community.workdays import services as calendar
from opc_community.workdays.files import Day
from opc_community.workdays.rules import local_date
from tests.residents.support.mediation import ask, at, request_mediation, sh

pytestmark = pytest.mark.django_db

EVENT = sh(2026, 12, 30, 10, 0)
NEW_YEAR_2027 = [Day(date(2027, 1, day), "holiday", "元旦") for day in (1, 2, 3)]


def test_a_holiday_moves_provisional_mediation_and_question_deadlines(member_a, member_b, administrator):
    mediation = request_mediation(member_a, member_b, moment=EVENT)
    question = ask(member_a, moment=EVENT)
    assert mediation.due_provisional and question.due_provisional
    schedule_before, answer_before = local_date(mediation.schedule_due_at), local_date(question.answer_due_at)

    with at(sh(2027, 1, 2, 9, 30)):
        change = calendar.year_load(year=2027, days=NEW_YEAR_2027, actor=administrator)

    mediation.refresh_from_db()
    question.refresh_from_db()
    assert local_date(mediation.schedule_due_at) > schedule_before
    assert local_date(question.answer_due_at) > answer_before
    assert not mediation.due_provisional and not question.due_provisional
    assert change.results["residents.mediation"]["moved"] == 2
    assert change.results["residents.rule_question"]["moved"] == 1
