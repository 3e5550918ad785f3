"""Re-application review (第三章第一条): the reviewer of an application by a former resident (same ID number)
reads their earlier violations, exits, bans and quarterly scores, from the apps that register them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discipline.models import CaseStatus
from residents.extensions import record_sections
from residents.models import ApplicationStatus, Exit, ExitKind, ExitStatus, ResidentStatus
from residents.models.residency import DepositOutcome
from residents.selectors.reentry import earlier_residencies, former_residents
from scoring.models import QuarterStatus
from tests.discipline.support.rewards import violation
from tests.residents.factories import ApplicationFactory, BanFactory, ResidentFactory
from tests.scoring.factories import QuarterFactory, ScoreCardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def former(administrator):
    resident = ResidentFactory(status=ResidentStatus.EXITED, exited_on=date(2026, 6, 30),
                               retain_until=date(2029, 6, 30))
    Exit.objects.create(resident=resident, kind=ExitKind.FORCED, status=ExitStatus.COMPLETED, reason="违规经营",
                        requested_on=date(2026, 6, 1), exit_on=date(2026, 6, 30),
                        deposit_outcome=DepositOutcome.FORFEIT, created_by=administrator)
    violation(resident, occurred_on=date(2026, 5, 10), status=CaseStatus.CONFIRMED)
    ScoreCardFactory(resident=resident, quarter=QuarterFactory(number=1, status=QuarterStatus.FINAL,
                                                              inputs_due_on=date(2026, 4, 10)))
    BanFactory(resident=resident, id_number=resident.application.id_number, ends_on=date(2026, 7, 1))
    return resident


def _again(resident, **fields):
    """A new application by the same person (another account), the ban over."""
    return ApplicationFactory(id_number=resident.application.id_number, **fields)


def test_discipline_and_scoring_register_their_sections():
    assert [section.key for section in record_sections()] == ["violation", "score"]


def test_a_former_resident_is_found_by_the_id_number(former):
    application = _again(former)
    assert former_residents(application) == [former]
    assert former_residents(ApplicationFactory()) == []


def test_the_earlier_record_has_violations_exits_bans_and_scores(former):
    [residency] = earlier_residencies(_again(former))
    assert residency.resident == former
    assert len(residency.exits) == 1 and "违规经营" in residency.exits[0].detail
    assert len(residency.bans) == 1
    sections = {key: rows for key, _label, rows in residency.sections}
    assert len(sections["violation"]) == 1
    assert len(sections["score"]) == 1


def test_the_review_page_shows_the_earlier_record(client_for, intake_staff, former):
    application = _again(former, status=ApplicationStatus.SUBMITTED)
    page = client_for(intake_staff).get(reverse("admin:residents_application_change", args=[application.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="earlier-record"' in html and former.name in html
    assert 'data-testid="earlier-violation"' in html and 'data-testid="earlier-score"' in html
    assert 'data-testid="earlier-exit"' in html and "违规经营" in html


def test_a_first_application_says_there_is_no_earlier_residency(client_for, intake_staff):
    application = ApplicationFactory(submitted_at=timezone.now() - timedelta(days=1))
    html = client_for(intake_staff).get(
        reverse("admin:residents_application_change", args=[application.pk])).content.decode()
    assert 'data-testid="earlier-record-none"' in html


def test_the_earlier_record_takes_a_fixed_number_of_queries(former, django_assert_max_num_queries):
    application = _again(former)
    with django_assert_max_num_queries(12):
        earlier_residencies(application)
