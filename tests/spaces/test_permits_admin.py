"""Permits in the operations desk: the queue with filters, approve (once) or refuse with a reason from the
list or a permit's page, the material behind a permission check; readers only read; fixed query counts."""

import pytest
import time_machine
from django.urls import reverse

from opc_community.portal.models import Notification
from spaces.models import RequestStatus
from tests.spaces.support.desks import member, pdf_upload, use_private_storage
from tests.spaces.support.permits import NOW, permit

pytestmark = pytest.mark.django_db

LIST = reverse("admin:spaces_permit_changelist")


@pytest.fixture(autouse=True)
def _clock(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def applicant(resident_a):
    return member(resident_a, name="张三")


def decide(held, step):
    return reverse("admin:spaces_permit_decide", args=[held.pk, step])


def test_the_queue_is_filtered_and_searched(client_for, daily_staff, applicant):
    permit(applicant, title="招聘海报", kind="posters")
    permit(applicant, title="路演日", kind="roadshow", status="approved")
    client = client_for(daily_staff)

    assert "路演日" not in client.get(LIST, {"status__exact": "requested"}).content.decode()
    assert "招聘海报" not in client.get(LIST, {"kind__exact": "roadshow"}).content.decode()
    assert "路演日" in client.get(LIST, {"q": "张三"}).content.decode()


def test_approving_from_the_list_and_again_is_refused_cleanly(client_for, daily_staff, applicant):
    held = permit(applicant)
    client = client_for(daily_staff)

    page = client.post(LIST, {"action": "approve", "_selected_action": [held.pk]})
    assert page.status_code == 200 and 'name="text"' in page.content.decode()
    client.post(LIST, {"action": "approve", "_selected_action": [held.pk], "apply": "1", "text": "好"})

    held.refresh_from_db()
    assert (held.status, held.decision_reason) == (RequestStatus.APPROVED, "好")
    again = client.post(LIST, {"action": "approve", "_selected_action": [held.pk], "apply": "1", "text": ""},
                        follow=True)
    assert "不能变为" in again.content.decode()
    assert Notification.objects.filter(recipient=applicant.user).count() == 1


def test_refusing_from_a_permits_page_needs_a_reason(client_for, daily_staff, applicant):
    held = permit(applicant)
    client = client_for(daily_staff)
    assert decide(held, "refuse") in client.get(reverse("admin:spaces_permit_change", args=[held.pk])).content.decode()

    assert client.post(decide(held, "refuse"), {"apply": "1", "text": ""}).status_code == 200  # asked again
    assert client.post(decide(held, "refuse"), {"apply": "1", "text": "场地冲突"}).status_code == 302

    held.refresh_from_db()
    assert (held.status, held.decision_reason) == (RequestStatus.REFUSED, "场地冲突")
    page = client.get(reverse("admin:spaces_permit_change", args=[held.pk])).content.decode()
    assert decide(held, "approve") not in page


def test_the_material_link_is_the_permission_checked_view(client_for, daily_staff, applicant):
    from spaces.services import permits as services

    held = services.permit_apply(resident=applicant, actor=applicant.user, kind="posters", title="海报",
                                 place="公告栏", starts_at=NOW.replace(day=17), ends_at=NOW.replace(day=18),
                                 description="x", material=pdf_upload())
    page = client_for(daily_staff).get(reverse("admin:spaces_permit_change", args=[held.pk])).content.decode()
    assert reverse("spaces:permit_material", args=[held.pk]) in page


def test_readers_cannot_decide_and_other_teams_cannot_read(client_for, oversight, resources_staff, applicant):
    held = permit(applicant)
    client = client_for(oversight)
    assert 'value="approve"' not in client.get(LIST).content.decode()
    assert client.get(decide(held, "approve")).status_code == 403
    assert client.post(LIST, {"action": "approve", "_selected_action": [held.pk], "apply": "1"}).status_code in (
        200, 302)
    held.refresh_from_db()
    assert held.status == RequestStatus.REQUESTED
    assert client_for(resources_staff).get(LIST).status_code == 403
    assert client.get(reverse("admin:spaces_permit_add")).status_code == 403


#: session, user, user permissions, group permissions, role groups (may decide?), count (filtered), count (all),
#: next year's holiday schedule loaded? (the admin's banner from 1 November), the page of permits with resident
#: and decider.
LIST_QUERIES = 9


def test_the_queue_costs_the_same_for_one_or_six_permits(client_for, daily_staff, applicant,
                                                         django_assert_num_queries):
    client = client_for(daily_staff)
    permit(applicant)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST)
    for index in range(5):
        permit(applicant, title=f"活动{index}")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST).content.decode().count("活动") >= 5
