"""Activities at the end of a residency (第三章第四条、第五条): an exit frees the places of activities not yet
started; the archive reads the activities as sentences."""

from datetime import timedelta

import pytest

from residents.selectors.archive import resident_archive
from residents.services.lifecycle import exit_handlers, force_exit
from resources.models import ActivityRegistration
from resources.selectors import activities as activity_selectors
from resources.services.activities import cancel_future_registrations
from tests.resources.support import NOW, STARTS, at, attend, make_activity, member, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with at(NOW):
        yield


def test_the_activities_exit_handler_is_registered():
    assert exit_handlers()["resources.activities"] is cancel_future_registrations


def test_an_exit_cancels_future_registrations_only(resources_staff, administrator):
    resident = member()
    future = register(make_activity(resources_staff), resident)
    past = register(make_activity(resources_staff, title="上周沙龙", starts_at=NOW - timedelta(days=7)), resident)
    other = register(make_activity(resources_staff, title="别人的活动"), member(name="李四"))

    force_exit(resident=resident, reason="严重违规", ban_years=1, actor=administrator)

    future.refresh_from_db()
    past.refresh_from_db()
    other.refresh_from_db()
    assert future.cancelled_at is not None
    assert past.cancelled_at is None and other.cancelled_at is None


def test_the_handler_says_what_it_did(resources_staff, administrator):
    resident = member()
    assert cancel_future_registrations(resident=resident, exit=None, actor=administrator) == "没有未来的活动报名。"
    register(make_activity(resources_staff), resident)
    note = cancel_future_registrations(resident=resident, exit=None, actor=administrator)
    assert note == "已取消未来的活动报名：1 个。"
    assert not ActivityRegistration.objects.filter(resident=resident, cancelled_at__isnull=True).exists()


def test_the_archive_reads_activities_as_sentences(resources_staff):
    resident = member()
    activity = make_activity(resources_staff, title="AI 创业沙龙")
    register(activity, resident)
    attend(make_activity(resources_staff, title="大模型培训", starts_at=NOW - timedelta(days=3)), resident,
           resources_staff)
    titles = [entry.title for entry in activity_selectors.archive_entries(resident)]
    assert titles == ["参加 大模型培训", "报名 AI 创业沙龙（14:00，3 楼路演厅）"]
    sections = {key: rows for key, _label, rows in resident_archive(resident).sections}
    assert [row.at for row in sections["activity"]][-1] == STARTS
