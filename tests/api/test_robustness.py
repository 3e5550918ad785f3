"""Requests a logged-in user can send that once ended in a 500: each is now a 4xx with a Chinese message
naming the parameter (or simply the right answer). The mechanisms live in opc_community/core (api.py,
filters.py, parsers.py, openapi.py); test_fuzz.py looks for more."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import URLPattern, reverse
from rest_framework import parsers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from opc_community.api_urls import router
from opc_community.api_urls import urlpatterns as api_urlpatterns
from opc_community.core.filters import SupportedDateTimeField
from opc_community.core.parsers import MAX_JSON_DEPTH, JSONParser
from tests.spaces.support.desks import member

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def resident_api(resident_a) -> APIClient:
    member(resident_a)
    return api(resident_a)


@pytest.fixture
def staff_api(administrator) -> APIClient:
    return api(administrator)


# --- Paths ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/bookings/credits.json", "/api/v1/bookings.json", "/api/v1/bookings/1.json", "/api/v1/no-such/"]
)
def test_a_path_no_route_matches_is_a_json_404(resident_api, staff_api, path):
    for client in (resident_api, staff_api):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "未找到。"}


def test_no_route_takes_a_format_suffix():
    """DRF would hand custom actions a ``format`` argument they do not take (83 routes answered 500)."""
    assert all("format" not in pattern.pattern.regex.groupindex for pattern in api_urlpatterns
               if isinstance(pattern, URLPattern))


# --- Moments, dates and years -----------------------------------------------------------------------------


def test_a_moment_is_read_in_local_time_whatever_its_offset():
    """+23:00 is valid ISO 8601 (and RFC 3339) but beyond what PostgreSQL accepts (±15:59)."""
    moment = SupportedDateTimeField().clean("2026-01-01T00:00:00+23:00")
    assert moment == datetime(2025, 12, 31, 9, 0, tzinfo=SH) and moment.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/bookings/", "starts_after"),
        ("/api/v1/permits/", "starts_before"),
        ("/api/v1/complaints/", "filed_after"),
        ("/api/v1/activities/", "starts_after"),
        ("/api/v1/activity-attendance/", "checked_in_before"),
    ],
)
def test_moment_filters_take_any_offset_and_refuse_far_dates(staff_api, path, param):
    assert staff_api.get(path, {param: "2026-01-01T00:00:00+23:00"}).status_code == 200
    assert staff_api.get(path, {param: "2026-01-01T00:00:00-23:59"}).status_code == 200
    refused = staff_api.get(path, {param: "0001-01-01T00:00:00+14:00"})
    assert refused.status_code == 400
    assert refused.json() == {param: ["请给出 1900-01-01 至 2999-12-31 之间的日期。"]}


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/volunteer-services/", "year"),
        ("/api/v1/rewards/", "year"),
        ("/api/v1/score-cards/", "year"),
        ("/api/v1/workdays/", "date__year"),
    ],
)
@pytest.mark.parametrize(("year", "bound"), [("0", "1900"), ("-1", "1900"), ("10000", "2999")])
def test_a_year_outside_the_supported_dates_is_a_400_naming_it(staff_api, path, param, year, bound):
    response = staff_api.get(path, {param: year})
    assert response.status_code == 400
    [message] = response.json()[param]
    assert bound in message and "确保" in message


@pytest.mark.parametrize(
    ("path", "param"),
    [("/api/v1/bookings/", "date"), ("/api/v1/volunteer-services/", "served_after"), ("/api/v1/invoices/", "due_before")],
)
def test_a_date_at_the_end_of_the_calendar_is_a_400_naming_it(staff_api, path, param):
    response = staff_api.get(path, {param: "9999-12-31"})
    assert response.status_code == 400
    assert response.json() == {param: ["请给出 1900-01-01 至 2999-12-31 之间的日期。"]}


# --- Bodies -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "path"),
    [("resident_api", "/api/v1/bookings/"), ("resident_api", "/api/v1/complaints/"), ("staff_api", "/api/v1/cases/")],
)
def test_json_nested_a_thousand_deep_is_a_400(request, caller, path):
    body = "[" * 1000 + "]" * 1000
    response = request.getfixturevalue(caller).generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": f"请求正文的嵌套超过 {MAX_JSON_DEPTH} 层。"}


def test_every_api_view_reads_json_with_the_depth_limited_parser():
    for prefix, viewset, _basename in router.registry:
        assert parsers.JSONParser not in viewset.parser_classes, prefix
        assert JSONParser in viewset.parser_classes, prefix


def test_json_nested_just_beyond_the_limit_is_a_400_and_at_the_limit_is_read(resident_api):
    def nested(depth: int) -> str:
        return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)

    too_deep = resident_api.generic("POST", "/api/v1/bookings/", nested(MAX_JSON_DEPTH + 1),
                                    content_type="application/json")
    assert too_deep.status_code == 400 and "嵌套" in too_deep.json()["detail"]
    read = resident_api.generic("POST", "/api/v1/bookings/", nested(MAX_JSON_DEPTH), content_type="application/json")
    assert read.status_code == 400 and "room" in read.json()  # the booking's own validation


def test_a_body_that_is_not_json_is_a_400_in_chinese(resident_api):
    response = resident_api.generic("POST", "/api/v1/bookings/", "{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"].startswith("请求正文不是有效的 JSON")


# --- Credentials ------------------------------------------------------------------------------------------


def test_missing_or_bad_credentials_are_a_401_with_the_token_challenge(resident_a):
    member(resident_a)
    token = Token.objects.create(user=resident_a)
    for client in (APIClient(), APIClient(HTTP_AUTHORIZATION="Token not-a-token"), APIClient(HTTP_AUTHORIZATION="Token")):
        response = client.get("/api/v1/bookings/")
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
        assert response.json()["detail"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/bookings/").status_code == 200


def test_a_logged_in_user_without_the_role_is_a_403(outsider):
    response = api(outsider).get("/api/v1/bookings/")
    assert response.status_code == 403 and "WWW-Authenticate" not in response


# --- The schema -------------------------------------------------------------------------------------------


def test_the_schema_and_its_documentation_need_a_login(client, client_for, resident_a):
    for name in ("api-schema", "api-docs"):
        assert client.get(reverse(name)).status_code == 401
        assert client_for(resident_a).get(reverse(name)).status_code == 200


def test_every_operation_documents_its_refusals(openapi_schema):
    assert openapi_schema["components"]["schemas"]["Error"]["properties"]["detail"]["type"] == "string"
    for path, operations in openapi_schema["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "401", "403", "404"} | ({"409", "415"} if method != "get" else set())
            assert expected <= set(operation["responses"]), f"{method} {path}"
            for code in expected:
                assert operation["responses"][code]["content"]["application/json"]["schema"], f"{method} {path} {code}"


def test_read_only_fields_that_may_be_blank_document_the_blank_value(openapi_schema):
    schemas = openapi_schema["components"]["schemas"]
    proof_link = schemas["InputContribution"]["properties"]["proof_link"]
    assert {"type": "string", "maxLength": 0} in proof_link["oneOf"]  # a URL, or blank
    card_levels = schemas["ScoreCard"]["properties"]["award_level"]["oneOf"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in card_levels
