"""``manage.py seed_scale --residents N`` adds N residents with a year of records (docs/performance.md
"Scale data"); the real pages and jobs read the result.

Without the demo community (``--no-demo``: loading it takes minutes), two rooms of our own."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from discipline.models import ViolationCase
from discipline.services.ladders import ladders_run
from opc_community.accounts.models import User
from residents.models import Agreement, Complaint, Invoice, Payment, Resident
from residents.selectors.ledger import overdue_invoices
from spaces.models import Booking, Room, RoomType

pytestmark = pytest.mark.django_db

RESIDENTS = 20


@pytest.fixture
def scaled(capsys):
    for code, room_type in (("S-101", RoomType.MEETING_ROOM), ("S-102", RoomType.NEGOTIATION_ROOM)):
        Room.objects.create(code=code, name=code, room_type=room_type, floor="1", capacity=6)
    call_command("seed_scale", residents=RESIDENTS, no_demo=True)
    assert "Added 20 residents" in capsys.readouterr().out
    return Resident.objects.filter(user__username__startswith="scale-")


def test_the_residents_come_with_their_records_in_proportion(scaled):
    assert scaled.count() == RESIDENTS and not scaled.exclude(status="active").exists()
    assert Agreement.objects.filter(resident__in=scaled, status="accepted").count() == RESIDENTS
    invoices = Invoice.objects.filter(resident__in=scaled).count()
    payments = Payment.objects.filter(resident__in=scaled).count()
    bookings = Booking.objects.filter(resident__in=scaled).count()
    assert (
        7 * RESIDENTS <= invoices <= 12 * RESIDENTS and 2 * RESIDENTS <= payments <= 10 * RESIDENTS
    )
    assert (
        bookings == 3 * RESIDENTS
        and Complaint.objects.filter(resident__in=scaled).count() == RESIDENTS
    )
    assert ViolationCase.objects.filter(resident__in=scaled).count() == 1


def test_settled_on_is_what_the_payments_say_and_only_the_planned_fees_are_overdue(scaled):
    today = timezone.localdate()
    overdue = list(overdue_invoices(today=today).filter(resident__in=scaled))
    # scale-00007: the latest fee unpaid; scale-00011: the two latest.
    assert sorted({invoice.resident.user.username for invoice in overdue}) == [
        "scale-00007",
        "scale-00011",
    ]
    assert len(overdue) == 3
    assert (
        not Invoice.objects.filter(resident__in=scaled, due_on__lt=today, settled_on__isnull=True)
        .exclude(pk__in=[invoice.pk for invoice in overdue])
        .exists()
    )


def test_a_second_call_adds_more_residents(scaled):
    call_command("seed_scale", residents=5, no_demo=True)
    assert Resident.objects.filter(user__username__startswith="scale-").count() == RESIDENTS + 5
    assert User.objects.filter(username="scale-00025").exists()


def test_the_overdue_fee_ladder_and_the_pages_read_the_scale_data(
    scaled, client_for, administrator
):
    result = ladders_run(today=timezone.localdate())
    assert result.failed == 0 and result.total_opened >= 2
    assert ladders_run(today=timezone.localdate()).total_opened == 0

    portal = client_for(User.objects.get(username="scale-00003"))
    assert portal.get(reverse("portal:dashboard")).status_code == 200
    admin = client_for(administrator)
    assert admin.get(reverse("admin:residents_invoice_changelist")).status_code == 200
    assert admin.get(reverse("admin:residents_resident_changelist")).status_code == 200
