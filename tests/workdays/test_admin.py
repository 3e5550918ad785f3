"""The calendar in the operations desk: loading a year from a file (preview, then all or nothing),
edits that recompute deadlines, the count of open provisional deadlines, and who may do what."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opc_community.workdays.models import CalendarChange, CalendarYear, SpecialDay
from residents.models import Complaint
from tests.residents.support.complaints import at, file_complaint, sh

pytestmark = pytest.mark.django_db

EVENT = sh(2026, 12, 30, 10, 0)
UPLOAD = reverse("admin:workdays_calendaryear_upload")
GOOD = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n"


def csv_file(text: str, name: str = "2027.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def check(client, text: str = GOOD, *, year: int = 2027):
    return client.post(UPLOAD, {"year": year, "file": csv_file(text), "note": "国办发明电〔2026〕7号"})


@pytest.fixture(autouse=True)
def _at_the_event():
    """Every request of these tests happens on 2026-12-30 10:00, 2027 not loaded yet."""
    with at(EVENT):
        yield


@pytest.fixture
def complaint(member_a):
    """Resident A's complaint of 2026-12-30: response due 2027-01-01, provisional."""
    return file_complaint(member_a, at=EVENT)


def test_a_good_file_is_previewed_then_loaded_in_one_go(client_for, administrator, complaint):
    client = client_for(administrator)
    preview = check(client)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'data-testid="calendar-diff"' in page and "元旦" in page
    assert preview.context["preview"][0]["label"]  # per kind, labelled
    assert {line["moved"] for line in preview.context["preview"] if line["label"] == "诉求（响应与解决）"} == {2}
    assert not CalendarYear.objects.filter(year=2027).exists()  # the preview keeps nothing
    assert not SpecialDay.objects.filter(date__year=2027).exists()

    done = client.post(UPLOAD, {"payload": preview.context["payload"], "year": 2027})

    change = CalendarChange.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:workdays_calendarchange_change", args=[change.pk])
    assert SpecialDay.objects.filter(date__year=2027).count() == 3
    assert CalendarYear.objects.get(year=2027).note == "国办发明电〔2026〕7号"
    complaint.refresh_from_db()
    assert (complaint.response_due_at, complaint.due_provisional) == (sh(2027, 1, 4, 23, 59, 59), False)
    assert change.moved == 2
    record = client.get(done["Location"])
    assert record.status_code == 200
    assert 'data-testid="calendar-change-results"' in record.content.decode()


def test_a_file_with_bad_lines_loads_nothing_and_names_each_line(client_for, administrator, complaint):
    text = GOOD + "2027-02-30,holiday,春节\n2027-01-01,holiday,元旦\n2027-01-05,workday,调休\n"
    response = check(client_for(administrator), text)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        "第 5 行：日期“2027-02-30”不是 YYYY-MM-DD 格式的日期。",
        "第 6 行：2027-01-01 已在第 2 行列出。",
        "第 7 行：2027-01-05 不是周末：调休上班日必须是星期六或星期日。",
    ]
    assert 'data-testid="errors-file"' in response.content.decode()
    assert "payload" not in response.context
    assert not SpecialDay.objects.filter(date__year=2027).exists()
    assert not CalendarChange.objects.exists()


def test_a_file_of_another_year_is_refused(client_for, administrator):
    response = check(client_for(administrator), GOOD, year=2028)
    assert "第 2 行：2027-01-01 不在 2028 年。" in response.context["form"].errors["file"]


def test_a_load_replaces_the_year_and_the_preview_says_what_goes(client_for, administrator):
    SpecialDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="新年")
    SpecialDay.objects.create(date=date(2027, 5, 1), kind="holiday", name="劳动节")
    client = client_for(administrator)
    preview = check(client)
    diff = preview.context["diff"]
    assert [d.date for d in diff.added] == [date(2027, 1, 2), date(2027, 1, 3)]
    assert [d.date for d in diff.removed] == [date(2027, 5, 1)]
    assert [(old.name, new.name) for old, new in diff.changed] == [("新年", "元旦")]
    client.post(UPLOAD, {"payload": preview.context["payload"], "year": 2027})
    assert list(SpecialDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["元旦"] * 3


def test_an_altered_preview_is_refused(client_for, administrator):
    client = client_for(administrator)
    payload = check(client).context["payload"]
    response = client.post(UPLOAD, {"payload": payload[:-2] + "xx", "year": 2027}, follow=True)
    assert "预览已过期或被改动" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize("role", ["oversight", "daily_staff", "intake_staff"])
def test_only_the_administrator_loads_a_year(request, client_for, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(UPLOAD).status_code == 403
    assert check(client).status_code == 403
    assert not CalendarChange.objects.exists()


def test_residents_never_reach_the_desk(client_for, resident_a):
    response = client_for(resident_a).get(UPLOAD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_lists_show_how_many_open_deadlines_are_still_provisional(
    client_for, oversight, complaint, django_assert_num_queries
):
    client = client_for(oversight)
    client.get(reverse("admin:workdays_calendaryear_changelist"))  # warm the session and permissions
    # session, user, permissions (2), the user's groups, the list's counts (2) and rows, the calendar
    # warning, and one COUNT per registered deadline kind (12) — however many deadlines there are
    with django_assert_num_queries(23):  # one per registered deadline kind
        response = client.get(reverse("admin:workdays_calendaryear_changelist"))
    page = response.content.decode()
    assert 'data-testid="provisional-deadlines"' in page
    assert "1 个未到期的期限仍为暂定" in page and "诉求（响应与解决） 1" in page
    assert "从文件载入年度安排" not in page  # oversight reads only
    Complaint.objects.update(due_provisional=False)
    page = client.get(reverse("admin:workdays_specialday_changelist")).content.decode()
    assert "没有暂定的未到期期限" in page


def test_an_edit_in_the_admin_recomputes_and_is_recorded(client_for, administrator, complaint):
    client = client_for(administrator)
    response = client.post(reverse("admin:workdays_specialday_add"),
                           {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, follow=True)
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.response_due_at == sh(2027, 1, 4, 23, 59, 59)
    assert complaint.due_provisional is True  # 2027 is not marked loaded yet
    change = CalendarChange.objects.get()
    assert (change.actor, change.source, change.moved) == (administrator, CalendarChange.Source.ADMIN, 2)
    assert "2 个暂定期限已顺延或提前" in response.content.decode()

    client.post(reverse("admin:workdays_calendaryear_add"), {"year": 2027, "source": "staff", "note": ""})
    complaint.refresh_from_db()
    assert complaint.due_provisional is False
    assert CalendarChange.objects.count() == 2

    day = SpecialDay.objects.get(date=date(2027, 1, 1))
    client.post(reverse("admin:workdays_specialday_delete", args=[day.pk]), {"post": "yes"})
    complaint.refresh_from_db()
    assert complaint.response_due_at == sh(2027, 1, 4, 23, 59, 59)  # final deadlines are not recomputed
    assert CalendarChange.objects.count() == 3


def test_calendar_changes_are_read_only(client_for, administrator):
    client = client_for(administrator)
    assert client.get(reverse("admin:workdays_calendarchange_changelist")).status_code == 200
    assert client.get(reverse("admin:workdays_calendarchange_add")).status_code == 403
