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


TRAIL = "/admin/core/auditevent/"


def test_the_trail_offers_the_audited_models_first_and_reads_no_event(
    client_for, administrator, django_assert_num_queries
):
    client = client_for(administrator)
    # 1 session, 2 user, 3–4 the user's permissions (user's, groups'), 5–6 the operations desk's own on
    # every admin page: no event table is read.
    with django_assert_num_queries(6):
        response = client.get(TRAIL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "?model=workdays.SpecialDay" in page and "?model=spaces.Booking" in page


def test_a_models_history_in_chinese_with_the_actor(client_for, administrator):
    with acting_as(administrator):
        day = SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
        SpecialDay.objects.filter(pk=day.pk).update(name="元旦节")
    response = client_for(administrator).get(TRAIL, {"model": "workdays.SpecialDay"})
    assert response.status_code == 200
    changed, created = response.context["page"].entries[:2]  # newest first
    assert (created.action, changed.action) == ("新增", "修改")
    assert [(c.label, c.before, c.after) for c in changed.changes] == [("节日名称", "元旦", "元旦节")]
    assert created.actor == administrator.full_name
    page = response.content.decode()
    assert "元旦节" in page and "None" not in page and "holiday" not in page


def test_an_empty_value_reads_as_empty_not_none():
    from opc_community.core.audit_trail import display
    from residents.models import Resident

    assert display(Resident._meta.get_field("retain_until"), None) == "（空）"


@pytest.mark.parametrize("updates", [1, 30])
def test_one_objects_history_costs_the_same_whatever_its_length(
    client_for, administrator, updates, django_assert_num_queries
):
    with acting_as(administrator):
        day = SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
        other = SpecialDay.objects.create(date=date(2027, 5, 1), kind="holiday", name="劳动节")
        for number in range(updates):
            SpecialDay.objects.filter(pk=day.pk).update(name=f"元旦{number}")
    client = client_for(administrator)
    # 1 session, 2 user, 3 the record as it is now, 4 the page of events (with the actor's name and each
    # object's previous event id), 5 those previous events (to diff against), 6–7 the user's permissions,
    # 8–9 the operations desk's own on every admin page.
    with django_assert_num_queries(9):
        response = client.get(
            TRAIL,
            {
                "obj": f"workdays.SpecialDay:{day.pk}",
                "method": "tracks",
                "back": "/admin/workdays/",
            },
        )
    entries = response.context["page"].entries
    assert len(entries) == updates + 1 and {e.object_id for e in entries} == {day.pk}
    assert other.pk not in {e.object_id for e in entries}
    assert (
        'href="/admin/workdays/" class="back"' in response.content.decode()
    )  # back to the change form


def test_pages_of_fifty_newest_first(client_for, administrator):
    with acting_as(administrator):
        day = SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
        for number in range(60):
            SpecialDay.objects.filter(pk=day.pk).update(name=f"元旦{number}")
    client = client_for(administrator)
    query = {"model": "workdays.SpecialDay", "object": day.pk}
    first = client.get(TRAIL, query).context["page"]
    assert len(first.entries) == 50 and first.entries[0].changes[0].after == "元旦59"
    second = client.get(TRAIL, {**query, "before": first.older}).context["page"]
    assert len(second.entries) == 11 and second.older is None
    assert second.entries[-1].action == "新增"


def test_an_unknown_model_or_record_number_is_not_found(client_for, administrator):
    client = client_for(administrator)
    assert client.get(TRAIL, {"model": "auth.Permission"}).status_code == 404
    assert client.get(TRAIL, {"model": "workdays.SpecialDay", "object": "abc"}).status_code == 404
    assert client.get(TRAIL, {"obj": "nothing.Here:1"}).status_code == 404


def test_who_may_read_the_trail(
    client_for, administrator, oversight, intake_staff, daily_staff, resident_a
):
    for user in (administrator, oversight, intake_staff):
        assert client_for(user).get(TRAIL, {"model": "workdays.SpecialDay"}).status_code == 200
    assert client_for(daily_staff).get(TRAIL).status_code == 403
    assert client_for(resident_a).get(TRAIL).status_code == 302  # to the admin login
