"""The archive in the operations desk: one page per resident, its PDF, and deletes refused (第三章第五条)."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opc_community.core.masking import mask_identity_number
from residents.documents.archive import archive_filename
from residents.models import Resident, ResidentStatus
from residents.services import lifecycle as services
from tests.downloads import assert_safe_download
from tests.residents.support.lifecycle import on_day
from tests.residents.test_archive_selectors import furnish

pytestmark = pytest.mark.django_db


def archive_url(resident) -> str:
    return reverse("admin:residents_resident_archive", args=[resident.pk])


def pdf_url(resident) -> str:
    return reverse("admin:residents_resident_archive_pdf", args=[resident.pk])


def test_the_archive_page_shows_everything_with_the_registered_sections(client_for, member_a, intake_staff):
    furnish(member_a, intake_staff)
    response = client_for(intake_staff).get(archive_url(member_a))
    page = response.content.decode()
    assert response.status_code == 200
    assert "张三的档案" in page
    # violations, rewards, scores, desks, equipment, bookings, vouchers, activities, scenarios, sharing, policy
    # help, start-up services: nothing yet
    assert page.count("暂无记录") == 12
    for heading in ("时间线", "审计记录", "违规及处罚", "奖励", "季度评分", "工位", "场地预约", "算力券与模型券", "活动"):
        assert heading in page
    number = member_a.application.id_number
    assert mask_identity_number(number) in page and number not in page
    assert reverse("residents:application_document", args=[member_a.application.documents.get().pk]) in page
    assert "第三章第五条" in page
    assert pdf_url(member_a) in page


@pytest.mark.parametrize("member", ["intake_staff", "daily_staff", "resources_staff", "administrator", "oversight"])
def test_every_staff_group_reads_the_archive(client_for, member_a, request, member):
    assert client_for(request.getfixturevalue(member)).get(archive_url(member_a)).status_code == 200


@pytest.mark.parametrize(
    ("member", "exports"),
    [("intake_staff", True), ("administrator", True), ("oversight", True),
     ("daily_staff", False), ("resources_staff", False)],
)
def test_only_the_intake_team_the_lead_and_oversight_export_the_pdf(client_for, member_a, request, member, exports):
    client = client_for(request.getfixturevalue(member))
    page = client.get(archive_url(member_a)).content.decode()
    response = client.get(pdf_url(member_a))
    assert response.status_code == (200 if exports else 403)
    assert (pdf_url(member_a) in page) is exports  # no link to what would be refused


def test_residents_and_anonymous_users_do_not_reach_it(client, client_for, member_a):
    for url in (archive_url(member_a), pdf_url(member_a)):
        for response in (client.get(url), client_for(member_a.user).get(url)):
            assert response.status_code == 302
            assert response.headers["Location"].startswith(reverse("admin:login"))


def test_the_archive_page_only_answers_get(client_for, member_a, intake_staff):
    assert client_for(intake_staff).post(archive_url(member_a)).status_code == 405
    assert client_for(intake_staff).post(pdf_url(member_a)).status_code == 405


def test_an_unknown_resident_is_404(client_for, intake_staff):
    assert client_for(intake_staff).get(reverse("admin:residents_resident_archive", args=[999999])).status_code == 404


def _page_queries(client, resident) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(archive_url(resident)).status_code == 200
    return len(queries)


def test_the_archive_page_query_count_does_not_grow_with_invoices(client_for, member_a, member_b, intake_staff):
    client = client_for(intake_staff)
    furnish(member_a, intake_staff, invoices=1)
    furnish(member_b, intake_staff, invoices=10)
    client.get(archive_url(member_a))  # warm caches (content types, permissions)
    assert _page_queries(client, member_a) == _page_queries(client, member_b)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def test_the_archive_pdf_is_chinese_with_the_cjk_font_embedded(client_for, member_a, intake_staff, tmp_path):
    furnish(member_a, intake_staff, invoices=3)
    response = client_for(intake_staff).get(pdf_url(member_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_safe_download(response, archive_filename(member_a))
    pdf = tmp_path / "archive.pdf"
    pdf.write_bytes(response.content)
    assert pdf.read_bytes().startswith(b"%PDF-")
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:]
                if "notosanscjk" in re.sub(r"[^a-z]", "", line.lower()) and " yes " in f" {line} "]
    assert embedded, fonts
    text = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s", "", text)
    assert "入驻主体档案" in text and "张三" in text and "暂无记录" in text  # an empty registered section


# --- Deletes refused before retention ends ------------------------------------------------------------------


def test_the_desk_refuses_deleting_archive_records_with_a_message(client_for, member_a, administrator):
    client = client_for(administrator)
    change = reverse("admin:residents_resident_change", args=[member_a.pk])
    delete = reverse("admin:residents_resident_delete", args=[member_a.pk])

    page = client.get(change).content.decode()
    response = client.get(delete, follow=True)

    assert "deletelink" not in page  # no delete button
    assert response.redirect_chain[-1][0] == change
    assert "第三章第五条" in response.content.decode()
    assert "delete_selected" not in client.get(reverse("admin:residents_resident_changelist")).content.decode()
    assert Resident.objects.filter(pk=member_a.pk).exists()


def test_an_exit_record_names_the_date_it_is_kept_until(client_for, member_a, administrator):
    with on_day(date(2026, 11, 26)):
        exit = services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)
    response = client_for(administrator).post(reverse("admin:residents_exit_delete", args=[exit.pk]), {"post": "yes"},
                                              follow=True)
    assert "2029年11月26日" in response.content.decode()
    assert exit.__class__.objects.filter(pk=exit.pk).exists()


def test_after_retention_the_administrator_may_delete(client_for, member_a, administrator):
    Resident.objects.filter(pk=member_a.pk).update(
        status=ResidentStatus.EXITED, exited_on=date(2020, 1, 1), retain_until=timezone.localdate() - timedelta(days=1)
    )
    response = client_for(administrator).get(reverse("admin:residents_resident_delete", args=[member_a.pk]))
    assert response.status_code == 200  # Django's confirmation page (related rows listed there)
