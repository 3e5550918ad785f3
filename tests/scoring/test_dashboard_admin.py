"""The staff quarter dashboard, the Excel score sheet, the PDF report and the appeal decision in the admin."""

import re
import shutil
import subprocess
from io import BytesIO

import pytest
from django.urls import reverse

from residents.models import Resident
from scoring.documents.report import report_number
from scoring.models import AwardLevel, InputStatus, ScoreAppealStatus, ScoreCard
from scoring.selectors import dashboard as selectors
from scoring.services import appeals as services
from scoring.services.run import quarter_run
from tests.downloads import assert_safe_download
from tests.scoring.support.cards import IN_WINDOW, drafted_cast, published_cast
from tests.scoring.support.inputs import at, member, sh, stored_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(resident_a, resident_b, administrator):
    return published_cast(resident_a, resident_b, administrator)


def test_the_figures(resident_a, resident_b):
    cast = drafted_cast(resident_a, resident_b)
    report = selectors.quarter_dashboard(cast.quarter)
    assert report.cohort == 3 and report.k == 0  # N < 10 → no bottom group
    assert [b["count"] for b in report.bins] == [0, 1, 0, 0, 0, 0, 1, 1, 0, 0]  # 10, 65, 75
    assert [b["previous"] for b in report.bins][6:9] == [1, 0, 1]  # 65 and 82 in Q2
    assert [c.resident.name for c in report.warnings] == ["欧阳娜娜"]
    assert [c.resident.name for c in report.eliminated] == ["王小明"]
    assert [(m.name, m.delta) for m in report.moves] == [("张三", -7), ("欧阳娜娜", 0)]
    assert (report.went_down, report.unchanged, report.new, report.gone) == (1, 1, 1, 0)
    averages = {a.key: (a.mean, a.max_points) for a in report.averages}
    assert averages["participation"] == (10, 10) and averages["contributions"][1] == 20


def test_the_bottom_group_with_ten_residents(resident_a, resident_b):
    cast = drafted_cast(resident_a, resident_b)
    for index in range(8):
        stored_input(cast.quarter, member(name=f"李{index}号"), status=InputStatus.VERIFIED)
    quarter_run(quarter=cast.quarter)
    cast.quarter.refresh_from_db()
    report = selectors.quarter_dashboard(cast.quarter)
    assert report.cohort == 11 and report.k == 1
    assert [c.resident.name for c in report.bottom_group] == ["王小明"]


def test_the_dashboard_page_and_who_may_read_it(cast, client, client_for, administrator, oversight, daily_staff):
    url = reverse("admin:scoring_scorecard_dashboard")
    for reader in (administrator, oversight):
        page = client_for(reader).get(url, {"quarter": cast.quarter.pk})
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and "欧阳娜娜" in html and 'data-testid="warning-list"' in html
    assert client_for(daily_staff).get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert client_for(administrator).get(url, {"quarter": "999999"}).status_code == 404


@pytest.mark.parametrize("extra", [0, 12])
def test_the_dashboard_has_a_fixed_number_of_queries(extra, resident_a, resident_b, client_for, administrator,
                                                     django_assert_num_queries):
    cast = drafted_cast(resident_a, resident_b)
    for index in range(extra):
        stored_input(cast.quarter, member(name=f"赵{index}"))
    quarter_run(quarter=cast.quarter)
    client = client_for(administrator)
    url = reverse("admin:scoring_scorecard_dashboard")
    client.get(url, {"quarter": cast.quarter.pk})
    # session, user, permissions (2), the quarter, the quarter picker, the rulebook version, the cards,
    # the previous quarter's totals, the appeals by status, the calendar warning of the admin shell (2)
    with django_assert_num_queries(12):
        client.get(url, {"quarter": cast.quarter.pk})


def test_the_admin_lists_for_staff_readers(cast, client_for, oversight, administrator):
    with at(IN_WINDOW):
        services.score_appeal_submit(card=cast.card(cast.warned), resident=cast.warned, reason="签到漏记",
                                     actor=cast.warned.user)
    for name in ("admin:scoring_scorecard_changelist", "admin:scoring_scoreappeal_changelist",
                 "admin:scoring_scorechange_changelist"):
        assert client_for(oversight).get(reverse(name)).status_code == 200, name
    overdue = reverse("admin:scoring_scoreappeal_changelist")
    with at(sh(2026, 10, 19, 18)):  # due by the end of Monday 10-19
        assert "欧阳娜娜" not in client_for(administrator).get(overdue, {"overdue": "yes"}).content.decode()
    with at(sh(2026, 10, 20, 9)):
        assert "欧阳娜娜" in client_for(administrator).get(overdue, {"overdue": "yes"}).content.decode()


def test_the_score_sheet_export(cast, client_for, oversight):
    from openpyxl import load_workbook

    answer = client_for(oversight).get(reverse("admin:scoring_scorecard_export"), {"quarter": cast.quarter.pk})
    assert answer.status_code == 200 and "2026Q3" in answer["Content-Disposition"]
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][1] == "王小明"  # lowest rank first
    assert [row[15] for row in rows[1:]] == [10, 65, 75]
    assert rows[1][18] == "总分低于 60 分" and rows[2][18] == "连续两个季度低于 70 分"  # the reasons, in words


def test_the_score_sheet_names_the_highest_award(cast, client_for, oversight):
    """Regression: a card with an award level crashed the export (the field had no choices to display)."""
    from openpyxl import load_workbook

    ScoreCard.objects.filter(pk=cast.card(cast.good).pk).update(award_level=AwardLevel.NATIONAL)
    answer = client_for(oversight).get(reverse("admin:scoring_scorecard_export"), {"quarter": cast.quarter.pk})
    assert answer.status_code == 200
    rows = list(load_workbook(BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert [row[8] for row in rows[1:] if row[1] == "张三"] == ["国家级"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def test_the_selected_cards_export(cast, client_for, administrator):
    from openpyxl import load_workbook

    picked = [cast.card(cast.good).pk, cast.card(cast.idle).pk]
    answer = client_for(administrator).post(reverse("admin:scoring_scorecard_changelist"),
                                            {"action": "export_excel", "_selected_action": picked})
    assert answer.status_code == 200
    rows = list(load_workbook(BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert sorted(row[1] for row in rows[1:]) == ["张三", "王小明"]


def test_the_pdf_report_is_chinese_with_the_cjk_font_embedded(cast, client_for, administrator, tmp_path):
    card = cast.card(cast.warned)
    answer = client_for(administrator).get(reverse("admin:scoring_scorecard_report", args=[card.pk]))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert_safe_download(answer, f"{report_number(card)}.pdf")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(answer.content)
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert any("notosanscjk" in re.sub(r"[^a-z]", "", line.lower()) for line in fonts.splitlines()[2:]), fonts
    text = re.sub(r"\s+", "", subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert "欧阳娜娜" in text and "第六章第一条" in text and "2026Q3" in text
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "595.276 x 841.89" in info, info  # one A4 page


def test_the_administrator_decides_an_appeal_in_the_admin(cast, client_for, administrator, oversight):
    appeal = None
    with at(IN_WINDOW):
        appeal = services.score_appeal_submit(card=cast.card(cast.warned), resident=cast.warned, reason="签到漏记",
                                              actor=cast.warned.user)
    url = reverse("admin:scoring_scoreappeal_decide", args=[appeal.pk])
    assert client_for(oversight).get(url).status_code == 403
    client = client_for(administrator)
    assert client.get(url).status_code == 200
    assert "签到漏记" in client.get(reverse("admin:scoring_scoreappeal_change", args=[appeal.pk])).content.decode()
    with at(IN_WINDOW):
        answer = client.post(url, {"upheld": "False", "answer": "签到记录无误"})
    assert answer.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == ScoreAppealStatus.DISMISSED


def test_a_bad_correction_comes_back_with_the_field_named(cast, client_for, administrator):
    with at(IN_WINDOW):
        appeal = services.score_appeal_submit(card=cast.card(cast.warned), resident=cast.warned, reason="营收",
                                              actor=cast.warned.user)
        answer = client_for(administrator).post(
            reverse("admin:scoring_scoreappeal_decide", args=[appeal.pk]),
            {"upheld": "True", "answer": "更正", "revenue": "-5", "milestones_planned": "4", "milestones_done": "4",
             "revenue_target": "100000"},
        )
    assert answer.status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == ScoreAppealStatus.PENDING  # nothing written
    assert Resident.objects.count() == 3


def test_long_lists_show_the_first_rows_and_link_to_all(resident_a, resident_b, client_for, administrator):
    from scoring.admin.dashboard import LIST_LIMIT

    cast = drafted_cast(resident_a, resident_b)
    for index in range(LIST_LIMIT + 5):
        member(name=f"钱{index}号")  # checked in, no inputs: 10 points, eliminated
    quarter_run(quarter=cast.quarter)
    html = client_for(administrator).get(reverse("admin:scoring_scorecard_dashboard"),
                                         {"quarter": cast.quarter.pk}).content.decode()
    eliminated = html.split('data-testid="eliminated"')[1].split("</table>")[0]
    assert eliminated.count("<tr>") == 1 + LIST_LIMIT  # the header and the first rows
    more = html.split('data-testid="eliminated-more"')[1].split("</p>")[0]
    assert f"已显示 {LIST_LIMIT} / {LIST_LIMIT + 6} 人" in more
    assert f"?quarter__id__exact={cast.quarter.pk}&amp;outcome__exact=eliminated" in more
    assert 'data-testid="warning-list-more"' not in html  # one on the warning list: nothing more to show
