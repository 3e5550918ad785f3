"""Safety drills and training (第七章第四条; resources.services.drills): a drill is an activity of kind "drill"
(attendance counting for the participation rate only when staff mark it so), its after-action report's findings
become safety work items, and the spaces safety dashboard counts drills held and shows the next one."""

from datetime import date, timedelta

import pytest

from opc_community.core.errors import DomainError
from opc_community.portal.models import Notification
from resources.models import ActivityKind, DrillFinding, SafetyDrill
from resources.selectors.activities import participation_of
from resources.services import drills as services
from spaces.models import SafetyWorkItem
from spaces.selectors import safety as safety_selectors
from tests.resources.support import NOW, at, attend, sh

pytestmark = pytest.mark.django_db


def plan(actor, *, starts_at=None, counts=False, title="秋季消防疏散演练"):
    starts_at = starts_at or NOW + timedelta(days=3)
    return services.drill_plan(title=title, drill_type="fire_drill", starts_at=starts_at,
                               ends_at=starts_at + timedelta(hours=1), place="1F 大堂", capacity=80,
                               counts_for_attendance=counts, plan_kind="fire", actor=actor)


def test_a_drill_is_an_activity_of_kind_drill_not_counting_unless_marked(daily_staff, member_a, resources_staff):
    drill = plan(daily_staff)
    assert drill.activity.kind == ActivityKind.DRILL and drill.activity.counts_for_attendance is False
    marked = plan(resources_staff, counts=True, title="安全培训")
    with at(drill.activity.starts_at + timedelta(minutes=10)):
        attend(drill.activity, member_a, resources_staff)
        attend(marked.activity, member_a, resources_staff)
    # only the marked drill is expected and attended in the quarter (第六章第一条)
    assert participation_of(member_a, date(2026, 10, 1), date(2026, 12, 31)) == (1, 1)


@pytest.mark.parametrize("who", ["intake_staff", "oversight", "resident_a"])
def test_only_the_daily_resources_teams_and_administrator_organise_drills(request, who):
    with pytest.raises(DomainError) as refusal:
        plan(request.getfixturevalue(who))
    assert refusal.value.code == "not_allowed"


def test_a_drill_checks_its_data_like_any_activity(daily_staff):
    with pytest.raises(DomainError) as refusal:
        plan(daily_staff, starts_at=NOW - timedelta(days=1))
    assert refusal.value.field == "starts_at"
    with pytest.raises(DomainError) as refusal:
        services.drill_plan(title="x", drill_type="party", starts_at=NOW + timedelta(days=1),
                            ends_at=NOW + timedelta(days=1, hours=1), place="大堂", capacity=5, actor=daily_staff)
    assert refusal.value.field == "drill_type"


def test_the_report_turns_findings_into_work_items(daily_staff, administrator):
    drill = plan(daily_staff)
    with pytest.raises(DomainError) as refusal:
        services.drill_report(drill=drill, report="顺利", findings=[], actor=daily_staff)
    assert refusal.value.code == "not_ended"
    with at(drill.activity.ends_at + timedelta(hours=1)):
        services.drill_report(drill=drill, report="疏散用时 4 分钟，总体有序。",
                              findings=["3F 疏散指示灯不亮", "  ", "2F 安全出口被杂物堵塞"], actor=daily_staff)
        drill.refresh_from_db()
        assert drill.reported_by == daily_staff and drill.report.startswith("疏散用时")
        items = list(SafetyWorkItem.objects.order_by("pk").values_list("title", "status"))
        assert items == [("演练发现（秋季消防疏散演练）：3F 疏散指示灯不亮", "open"),
                         ("演练发现（秋季消防疏散演练）：2F 安全出口被杂物堵塞", "open")]
        assert DrillFinding.objects.filter(drill=drill).count() == 2
        assert Notification.objects.filter(recipient=administrator, kind="spaces.safety_work_item").count() == 2
        with pytest.raises(DomainError) as refusal:
            services.drill_report(drill=drill, report="再报一次", findings=[], actor=daily_staff)
        assert refusal.value.code == "done"


def test_a_report_needs_text_and_short_findings(daily_staff):
    drill = plan(daily_staff)
    with at(drill.activity.ends_at + timedelta(hours=1)):
        with pytest.raises(DomainError) as refusal:
            services.drill_report(drill=drill, report=" ", findings=[], actor=daily_staff)
        assert refusal.value.field == "report"
        with pytest.raises(DomainError) as refusal:
            services.drill_report(drill=drill, report="ok", findings=["长" * 201], actor=daily_staff)
        assert refusal.value.field == "findings"
        assert not SafetyWorkItem.objects.exists()


def test_the_dashboard_counts_drills_held_and_shows_the_next(daily_staff):
    held = plan(daily_staff, title="春季演练")
    SafetyDrill.objects.filter(pk=held.pk)  # moved into the past below
    held.activity.__class__.objects.filter(pk=held.activity_id).update(
        starts_at=sh(2026, 4, 10, 10, 0), ends_at=sh(2026, 4, 10, 11, 0))
    plan(daily_staff, title="冬季演练", starts_at=NOW + timedelta(days=20))
    plan(daily_staff, title="明年演练", starts_at=sh(2027, 3, 1, 10, 0))
    cancelled = plan(daily_staff, title="取消的演练", starts_at=NOW + timedelta(days=2))
    cancelled.activity.__class__.objects.filter(pk=cancelled.activity_id).update(cancelled_at=NOW)
    board = safety_selectors.dashboard(now=NOW)
    assert (board.drills_held, board.drills_minimum, board.drills_short) == (1, 2, 1)
    assert board.drills_planned == 1 and board.drills_to_plan == 0
    assert board.next_drill.next_title == "冬季演练"


def test_the_dashboard_page_shows_the_next_drill(client_for, daily_staff):
    plan(daily_staff, title="冬季演练", starts_at=NOW + timedelta(days=20))
    html = client_for(daily_staff).get("/admin/spaces/safetydashboard/").content.decode()
    assert "冬季演练" in html and "0 / 2" in html
