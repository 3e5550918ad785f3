"""400, 403 and 404 are pages in Chinese in the site's look (DEBUG is off in tests, as in production);
under /api/ they stay JSON."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from opc_community.core.error_pages import bad_request


@pytest.mark.django_db
def test_an_unknown_page_says_so_in_chinese_and_leads_home(client):
    response = client.get("/portal/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page and "Not Found" not in page


@pytest.mark.django_db
def test_an_unknown_api_path_is_json(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}


def test_a_page_someone_may_not_open_says_so_in_chinese(client_for, intake_staff):
    response = client_for(intake_staff).get(reverse("residents:application_edit"))  # staff never apply

    page = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in page and "运营团队" in page and "Forbidden" not in page


def test_a_bad_request_page_in_chinese():
    response = bad_request(RequestFactory().get("/portal/"), ValueError())

    assert response.status_code == 400 and "请求无法处理" in response.content.decode()
