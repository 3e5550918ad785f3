"""While PostgreSQL is unreachable, pages answer 503 with the Chinese maintenance page and the API a
Chinese JSON 503 — never a 500; other errors get a Chinese 500 page. Nothing of it needs the database."""

import json

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, RequestFactory

from opc_community.core.outages import server_error

MAINTENANCE = "系统维护中：暂时无法连接数据库，请几分钟后再试。"


@pytest.fixture
def client():
    """A browser: answers come back as they would to a person (the test client would otherwise raise
    an error that ``handler500`` answered)."""
    return Client(raise_request_exception=False)


def assert_maintenance_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "<h1>系统维护中</h1>" in page and MAINTENANCE in page
    assert "南沙国际 OPC 生态社区" in page  # the site's header
    assert "/static/css/site.css" in page


def test_a_public_page_is_a_maintenance_page(client, database_down):
    assert_maintenance_page(client.get("/notices/"))


def test_a_signed_in_resident_sees_the_maintenance_page(client, database_down):
    """The session cannot be read: the request fails before any view runs."""
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-a-signed-in-resident"
    assert_maintenance_page(client.get("/portal/"))


def test_a_form_sent_during_the_outage_is_a_maintenance_page(client, database_down):
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-a-signed-in-resident"
    client.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    response = client.post("/portal/residents/complaints/new/", {"csrfmiddlewaretoken": "x" * 32})
    assert_maintenance_page(response)


def test_the_operations_desk_is_a_maintenance_page(client, database_down):
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-a-staff-member"
    assert_maintenance_page(client.get("/admin/"))


def test_the_api_answers_json_503_in_chinese(client, database_down):
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-a-signed-in-resident"
    for headers in ({}, {"HTTP_AUTHORIZATION": "Token 0123456789abcdef0123456789abcdef01234567"}):
        response = client.get("/api/v1/complaints/", **headers)
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": MAINTENANCE}
    assert client.get("/api/v1/notices/").json() == {"detail": MAINTENANCE}


def test_english_readers_get_it_in_english(client, database_down):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/notices/")
    assert response.status_code == 503
    assert "Under maintenance" in response.content.decode()


def test_other_errors_are_a_chinese_500_page_in_the_site_look(rf: RequestFactory):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/portal/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>服务器出错</h1>" in page and "南沙国际 OPC 生态社区" in page


def test_other_api_errors_are_json(rf: RequestFactory):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/api/v1/complaints/"))
    assert response.status_code == 500
    assert "detail" in json.loads(response.content)


def test_a_database_error_raised_outside_a_view_is_a_503(rf: RequestFactory):
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/portal/"))
    assert_maintenance_page(response)


@pytest.mark.django_db
def test_when_the_database_is_back_pages_work_again(client):
    assert client.get("/notices/").status_code == 200
