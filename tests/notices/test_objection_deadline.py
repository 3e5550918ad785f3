"""An objection is decided within 3 working days of filing (RULEBOOK §10, decisions added 2026-12, rule data
``deadlines.objection_decision_working_days``): the decide-by time is stored at filing, an objection still
pending after it is flagged to the administrator once, and the desk filters and counts the late ones."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.notices import selectors, services
from opc_community.notices.models import ObjectionStatus
from opc_community.portal.models import Notification
from tests.notices.conftest import AFTER, SH, START

pytestmark = pytest.mark.django_db

#: Friday 2026-06-05 15:00, the last day of the window opened at START.
FRIDAY = datetime(2026, 6, 5, 15, 0, tzinfo=SH)
#: Friday + 3 working days: Mon 8, Tue 9, Wed 10 → by Wednesday 23:59:59.
DUE = datetime(2026, 6, 10, 23, 59, 59, tzinfo=SH)
LATE = datetime(2026, 6, 11, 0, 0, 1, tzinfo=SH)
OBJECTIONS = reverse("admin:notices_objection_changelist")
PUBLICATIONS = reverse("admin:notices_publication_changelist")


def _object(publication, author, moment=FRIDAY):
    with time_machine.travel(moment, tick=False):
        return services.objection_submit(publication=publication, author=author, text="事实有误")


def test_the_decide_by_time_counts_working_days_over_the_weekend(publish, resident_b, administrator):
    objection = _object(publish(), resident_b)

    assert objection.decide_due_at == DUE
    assert not objection.decide_due_provisional
    told = Notification.objects.get(recipient=administrator, kind="notices.objection_submitted")
    assert "2026" in told.body  # the decide-by time is named at once


@pytest.mark.parametrize(("moment", "flagged"), [(DUE, 0), (LATE, 1)])
def test_a_late_objection_is_flagged_to_the_administrator_once(
    publish, resident_b, administrator, moment, flagged
):
    objection = _object(publish(), resident_b)
    services.publication_close(publication=objection.publication, now=AFTER)  # now awaiting the decision

    assert services.objections_overdue_flag(now=moment) == flagged
    assert services.objections_overdue_flag(now=moment) == 0  # once
    told = Notification.objects.filter(recipient=administrator, kind="notices.objection_overdue")
    assert told.count() == flagged
    assert selectors.desk_objections(moment).late == flagged
    # The next day's runs: flagged now if it was not yet, never twice.
    assert services.objections_overdue_flag(now=LATE + timedelta(days=1)) == 1 - flagged
    assert services.objections_overdue_flag(now=LATE + timedelta(days=1)) == 0
    assert told.count() == 1


def test_decided_and_withdrawn_ones_are_not_late(publish, resident_b, resident_a, administrator, intake_staff):
    decided = _object(publish(), resident_b)
    with time_machine.travel(FRIDAY + timedelta(hours=1), tick=False):
        services.objection_decide(objection=decided, upheld=False, reason="事实无误", actor=intake_staff)
    withdrawn = _object(publish(title="另一则公示"), resident_a)
    with time_machine.travel(FRIDAY + timedelta(hours=1), tick=False):
        services.publication_withdraw(publication=withdrawn.publication, reason="发布有误", actor=administrator)

    decided.refresh_from_db()
    assert decided.status == ObjectionStatus.DISMISSED
    assert services.objections_overdue_flag(now=LATE) == 0
    assert selectors.desk_objections(LATE).late == 0


def test_the_desk_filters_and_counts_late_objections(
    client_for, publish, administrator, resident_a, resident_b, django_assert_max_num_queries
):
    late = _object(publish(), resident_b)
    _object(publish(title="另一则公示"), resident_a, moment=START + timedelta(hours=1))  # also late
    on_time = publish(title="尚在处理期限内的公示", starts_at=START + timedelta(days=7))
    _object(on_time, resident_b, moment=START + timedelta(days=7, hours=1))  # due 2026-06-12
    client = client_for(administrator)

    with time_machine.travel(LATE, tick=False):
        client.get(OBJECTIONS)  # warm caches (content types, permissions)
        with django_assert_max_num_queries(12):
            page = client.get(OBJECTIONS, {"overdue": "yes"})
        assert page.status_code == 200
        assert page.context["cl"].result_count == 2
        assert late.pk in {row.pk for row in page.context["cl"].result_list}
        publications = client.get(PUBLICATIONS, {"late_objections": "yes"})
        assert publications.context["cl"].result_count == 2
        index = client.get(reverse("admin:index")).content.decode()
    assert f"{OBJECTIONS}?overdue=yes" in index


def test_the_objection_list_does_not_query_per_row(client_for, publish, administrator, resident_a, resident_b):
    client = client_for(administrator)
    _object(publish(), resident_b)
    with time_machine.travel(LATE, tick=False):
        client.get(OBJECTIONS)
        with CaptureQueriesContext(connection) as one_row:
            client.get(OBJECTIONS, {"overdue": "yes"})
    for number in range(5):
        _object(publish(title=f"公示{number}"), resident_a)
    with time_machine.travel(LATE, tick=False), CaptureQueriesContext(connection) as many_rows:
        client.get(OBJECTIONS, {"overdue": "yes"})

    assert len(many_rows) == len(one_row)
