"""The notice board's API: public reading on purpose, objections for logged-in users only."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from opc_community.notices import services
from opc_community.notices.models import Objection, PublicationKind, PublicationStatus
from tests.notices.conftest import AFTER, START

pytestmark = pytest.mark.django_db

DURING = START + timedelta(hours=1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def _objections_url(publication) -> str:
    return reverse("notice-objections", args=[publication.pk])


def test_anyone_lists_and_reads_publications(api, publish, resident_a):
    publication = publish(subject=resident_a, concerned_user=resident_a)

    with time_machine.travel(DURING, tick=False):
        listing = api.get(reverse("notice-list"))
        detail = api.get(reverse("notice-detail", args=[publication.pk]))

    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["results"]] == [publication.pk]
    body = detail.json()
    assert body["kind"] == "penalty_decision"
    assert body["kind_display"] == "处罚决定"
    assert body["window_ends_at"] == "2026-06-05T23:59:59+08:00"
    assert body["window_provisional"] is False
    assert body["page_url"] == f"http://testserver{publication.get_absolute_url()}"
    # Nothing about people: not the publisher, not the person concerned, not the objections.
    assert not {"published_by", "concerned_user", "objections", "content_type", "object_id"} & set(
        body
    )


def test_the_list_filters_by_kind_and_status(api, publish, administrator):
    penalty = publish()
    policy = publish(kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知")
    services.publication_withdraw(publication=policy, reason="发布有误", actor=administrator)

    def ids(**params):
        return [item["id"] for item in api.get(reverse("notice-list"), params).json()["results"]]

    with time_machine.travel(DURING, tick=False):
        assert ids(kind="penalty_decision") == [penalty.pk]
        assert ids(status=PublicationStatus.WITHDRAWN) == [policy.pk]
        assert api.get(reverse("notice-list"), {"kind": "gossip"}).status_code == 400


def test_publications_not_started_yet_are_not_served(api, publish):
    future = publish(starts_at=AFTER)

    with time_machine.travel(DURING, tick=False):
        assert api.get(reverse("notice-list")).json()["count"] == 0
        assert api.get(reverse("notice-detail", args=[future.pk])).status_code == 404


def test_a_logged_in_user_objects_during_the_window(api_for, publish, resident_b):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = api_for(resident_b).post(
            _objections_url(publication), {"text": "处罚依据不足。"}, format="json"
        )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Objection.objects.get().author == resident_b


def test_after_the_window_the_api_answers_400_in_chinese(api_for, publish, resident_b):
    publication = publish()

    with time_machine.travel(AFTER, tick=False):
        response = api_for(resident_b).post(
            _objections_url(publication), {"text": "迟到的异议"}, format="json"
        )

    assert response.status_code == 400
    assert response.json()["detail"] == "公示期已于 2026年6月5日 23:59 结束，不再受理异议。"
    assert not Objection.objects.exists()


def test_a_second_objection_is_a_conflict(api_for, publish, resident_b):
    publication = publish()
    client = api_for(resident_b)

    with time_machine.travel(DURING, tick=False):
        client.post(_objections_url(publication), {"text": "第一次"}, format="json")
        response = client.post(_objections_url(publication), {"text": "第二次"}, format="json")

    assert response.status_code == 409
    assert response.json()["field"] == "text"


def test_an_empty_objection_is_a_400(api_for, publish, resident_b):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = api_for(resident_b).post(
            _objections_url(publication), {"text": ""}, format="json"
        )

    assert response.status_code == 400
    assert "text" in response.json()


def test_anonymous_objections_are_refused(api, publish):
    publication = publish()

    with time_machine.travel(DURING, tick=False):
        response = api.post(_objections_url(publication), {"text": "匿名"}, format="json")

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"  # log in first
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("post", "list"),
        ("put", "detail"),
        ("patch", "detail"),
        ("delete", "detail"),
        ("get", "objections"),
    ],
)
def test_the_board_is_read_only_apart_from_objections(api_for, publish, resident_b, method, target):
    publication = publish()
    url = {
        "list": reverse("notice-list"),
        "detail": reverse("notice-detail", args=[publication.pk]),
        "objections": _objections_url(publication),
    }[target]

    response = getattr(api_for(resident_b), method)(url, {}, format="json")

    assert response.status_code == 405


def test_the_list_costs_a_fixed_number_of_queries(api, publish, django_assert_num_queries):
    for number in range(30):
        publish(title=f"第{number}号公示")

    # 1 COUNT for the paginator, 1 SELECT of the page.
    with time_machine.travel(DURING, tick=False), django_assert_num_queries(2):
        assert api.get(reverse("notice-list")).status_code == 200


def test_the_board_is_in_the_openapi_schema(openapi_schema):
    paths = openapi_schema["paths"]
    assert "/api/v1/notices/" in paths
    assert "post" in paths["/api/v1/notices/{id}/objections/"]
    assert paths["/api/v1/notices/"]["get"]["security"][-1] == {}  # callable without credentials
