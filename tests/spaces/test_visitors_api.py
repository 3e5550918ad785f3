"""/api/v1/visitors/: the front desk registers, answers by phone, admits (only once confirmed) and signs
out with full numbers; a resident sees and answers only its own visitors, numbers masked; oversight reads
masked; other teams are refused."""

import pytest
from rest_framework.test import APIClient

from spaces.models import Visitor, VisitorStatus
from spaces.services import visitors as services
from tests.spaces.support.desks import in_hours, member

pytestmark = pytest.mark.django_db

URL = "/api/v1/visitors/"
PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def host(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def register(host, staff, name="李四"):
    return services.visitor_register(name=name, phone=PHONE, host=host, purpose="商务洽谈",
                                     expected_at=in_hours(2), actor=staff)


def test_anonymous_callers_are_refused(client):
    assert client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "outsider"])
def test_people_without_the_log_are_refused(api_for, request, who):
    assert api_for(request.getfixturevalue(who)).get(URL).status_code == 403


def test_the_host_sees_only_its_visitors_with_masked_numbers(api_for, host, other, daily_staff):
    mine = register(host, daily_staff)
    register(other, daily_staff, name="王五")

    response = api_for(host.user).get(URL)

    body = response.content.decode()
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert response.json()["results"][0]["phone"] == MASKED
    assert PHONE not in body and "registered_by" not in body


def test_the_host_confirms_and_another_resident_gets_404(api_for, host, other, daily_staff):
    visitor = register(host, daily_staff)

    assert api_for(other.user).post(f"{URL}{visitor.pk}/confirm/").status_code == 404
    assert api_for(other.user).get(f"{URL}{visitor.pk}/").status_code == 404
    response = api_for(host.user).post(f"{URL}{visitor.pk}/confirm/")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed" and response.json()["phone"] == MASKED
    assert api_for(host.user).post(f"{URL}{visitor.pk}/refuse/", {"reason": "x"}).status_code == 409


def test_a_resident_cannot_register_admit_or_sign_out(api_for, host, daily_staff):
    visitor = services.visitor_confirm(visitor=register(host, daily_staff), actor=host.user)
    client = api_for(host.user)
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert client.post(f"{URL}{visitor.pk}/admit/").status_code == 403
    assert client.post(f"{URL}{visitor.pk}/sign-out/").status_code == 403


def test_the_front_desk_works_through_the_api_with_full_numbers(api_for, host, daily_staff):
    client = api_for(daily_staff)
    created = client.post(URL, {"name": "李四", "phone": "138 1234 5678", "host": host.pk, "purpose": "面试",
                                "expected_at": in_hours(1).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["phone"] == PHONE

    refused = client.post(f"{URL}{pk}/admit/")
    assert refused.status_code == 409
    assert "被访入驻主体尚未确认来访" in refused.json()["detail"]

    assert client.post(f"{URL}{pk}/confirm/").json()["confirmed_by_phone"] is True
    assert client.post(f"{URL}{pk}/admit/").json()["status"] == "admitted"
    assert client.post(f"{URL}{pk}/sign-out/").json()["status"] == "signed_out"


def test_a_bad_registration_is_a_400_naming_the_field(api_for, host, daily_staff):
    response = api_for(daily_staff).post(URL, {"name": "李四", "phone": "123", "host": host.pk, "purpose": "面试",
                                              "expected_at": in_hours(1).isoformat()}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "phone"
    assert not Visitor.objects.exists()


def test_oversight_reads_masked_and_cannot_act(api_for, host, daily_staff, oversight):
    visitor = register(host, daily_staff)
    client = api_for(oversight)

    body = client.get(URL).content.decode()
    assert MASKED in body and PHONE not in body
    assert client.post(f"{URL}{visitor.pk}/confirm/").status_code == 403
    assert client.post(f"{URL}{visitor.pk}/cancel/").status_code == 403
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


def test_filters(api_for, host, other, daily_staff):
    register(host, daily_staff, name="甲")
    services.visitor_cancel(visitor=register(other, daily_staff, name="乙"), actor=daily_staff)
    client = api_for(daily_staff)

    def names(**params):
        return {row["name"] for row in client.get(URL, params).json()["results"]}

    assert names(status="cancelled") == {"乙"}
    assert names(host="欧阳") == {"乙"}
    assert names(name="甲") == {"甲"}
    assert names(expected_from="2000-01-01", expected_to="2000-01-02") == set()
