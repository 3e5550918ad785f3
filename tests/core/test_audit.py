"""The audit trail records every change with who made it (django-pghistory triggers)."""

from datetime import date

import pghistory.models
import pytest

from opc_community.core.audit import acting_as
from opc_community.workdays.models import SpecialDay

pytestmark = pytest.mark.django_db


def _events(obj):
    return pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id")


def test_insert_update_and_delete_are_recorded_with_the_actor(administrator):
    with acting_as(administrator):
        day = SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
        SpecialDay.objects.filter(pk=day.pk).update(name="元旦节")  # bulk update: still recorded
    labels = [event.pgh_label for event in _events(day)]
    assert labels == ["insert", "update"]
    update = _events(day).last()
    assert update.pgh_diff == {"name": ["元旦", "元旦节"]}
    assert update.pgh_context["user"] == administrator.pk
    pk = day.pk
    day.delete()
    assert [e.pgh_label for e in _events(SpecialDay(pk=pk))][-1] == "delete"


def test_a_request_records_the_logged_in_user(client_for, administrator):
    client = client_for(administrator)
    response = client.post(
        "/admin/workdays/specialday/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    day = SpecialDay.objects.get(date=date(2027, 1, 1))
    event = _events(day).get()
    assert event.pgh_context["user"] == administrator.pk
    assert event.pgh_context["url"] == "/admin/workdays/specialday/add/"


def test_password_hashes_and_logins_stay_out_of_the_trail(resident_a, client_for):
    client_for(resident_a)  # force_login updates last_login
    resident_a.set_password("another-long-password")
    resident_a.save()
    for event in _events(resident_a):
        assert "password" not in event.pgh_data


def test_the_trail_is_visible_in_the_admin(client_for, administrator):
    with acting_as(administrator):
        SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    response = client_for(administrator).get("/admin/core/auditevent/")
    assert response.status_code == 200
    assert "元旦" in response.content.decode()
