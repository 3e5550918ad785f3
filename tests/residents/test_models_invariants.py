"""Database invariants of the residents tables: no overlapping agreements, archive kept 3 years."""

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from residents.models import AgreementStatus, Resident, ResidentStatus
from tests.residents.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def test_a_resident_cannot_hold_two_overlapping_live_agreements():
    first = AgreementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementFactory(resident=first.resident, starts_on=date(2027, 3, 31), ends_on=date(2028, 3, 30))
    # The day after the end is fine (renewal starts the day after, 第三章第三条).
    AgreementFactory(resident=first.resident, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31),
                     status=AgreementStatus.ISSUED)


def test_agreement_terms_cannot_be_edited():
    agreement = AgreementFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        type(agreement).objects.filter(pk=agreement.pk).update(fee_amount=1)


def _sql_delete(table: str, pk: int) -> None:
    """Delete with plain SQL, as a database user would: only the database protects the row."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608 - table names are constants here


def test_the_archive_cannot_be_deleted_before_three_years_after_exit():
    agreement = AgreementFactory()
    resident = agreement.resident
    for table, pk in [("residents_agreement", agreement.pk), ("residents_application", resident.application_id)]:
        with pytest.raises(DatabaseError, match="第三章第五条"):
            _sql_delete(table, pk)
    # Exited, but still within the three years.
    Resident.objects.filter(pk=resident.pk).update(
        status=ResidentStatus.EXITED, exited_on=date(2026, 1, 1), retain_until=timezone.localdate()
    )
    with pytest.raises(DatabaseError, match="第三章第五条"):
        _sql_delete("residents_agreement", agreement.pk)
    # The day after retention ends, the archive may go.
    Resident.objects.filter(pk=resident.pk).update(retain_until=timezone.localdate() - timedelta(days=1))
    _sql_delete("residents_agreement", agreement.pk)
