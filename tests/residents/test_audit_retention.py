"""The audit trail of a resident goes once the archive's three years after exit have passed
(第三章第五条, RULEBOOK §4.7), and not a day before; set-based and safe to run twice."""

from datetime import date

import pghistory.models
import pytest
from django.core.management import call_command

from residents.models import ResidentStatus
from residents.services.audit_retention import audit_trail_purge
from tests.residents.factories import AgreementFactory, ResidentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2030, 6, 1)


def _events(obj) -> int:
    return pghistory.models.Events.objects.tracks(obj).count()


def _exited(retain_until: date):
    resident = ResidentFactory(
        status=ResidentStatus.EXITED, exited_on=date(2026, 5, 31), retain_until=retain_until
    )
    return resident, AgreementFactory(resident=resident)


def test_the_trail_of_a_resident_kept_three_years_goes_and_nothing_else():
    gone, gone_agreement = _exited(retain_until=date(2029, 5, 31))
    kept, kept_agreement = _exited(retain_until=TODAY)  # the last day of its retention
    live = ResidentFactory()
    assert _events(gone) and _events(gone_agreement) and _events(gone.application)

    deleted = audit_trail_purge(today=TODAY, actor=None)

    assert deleted == {
        "residents.ResidentEvent": 1,
        "residents.ApplicationEvent": 1,
        "residents.AgreementEvent": 1,
    }
    assert _events(gone) == _events(gone_agreement) == _events(gone.application) == 0
    assert _events(kept) and _events(kept_agreement) and _events(kept.application) and _events(live)
    assert audit_trail_purge(today=TODAY, actor=None) == {}  # a second run finds nothing


def test_the_command_runs_the_purge(capsys):
    _exited(retain_until=date(2020, 1, 1))
    call_command("purge_audit_trail")
    call_command("purge_audit_trail")
    out = capsys.readouterr().out
    assert "3 audit events deleted." in out and "0 audit events deleted." in out
