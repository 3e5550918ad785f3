"""The discipline app's items on the work desk (运营工作台, opc_community/core/desk.py): cases behind schedule,
rectification deadlines, decided-but-unpublished cases, appeals awaiting an answer. Registered in
discipline/apps.py; each tally is one query (filters on the indexed status)."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from discipline.models import Appeal, AppealStatus, CaseStatus, ViolationCase
from discipline.selectors import cases as selectors
from opc_community.accounts.roles import Role
from opc_community.core.desk import DeskItem, Tally, admin_list, tally_of

CASES = "admin:discipline_violationcase_changelist"


def _behind(now: datetime) -> Tally:
    return Tally(selectors.overdue_count(now))


def _rectifications(now: datetime) -> Tally:
    """Notices whose rectification deadline is today or already past (第八章第二条)."""
    today = timezone.localdate(now)
    notices = ViolationCase.objects.filter(
        status=CaseStatus.NOTICE_ISSUED, notice__deadline__lte=today
    )
    return tally_of(notices, Q(notice__deadline__lt=today))


def _unpublished(now: datetime) -> Tally:
    """Penalties decided, not yet published; late past their publish-by time (RULEBOOK §10)."""
    return tally_of(
        ViolationCase.objects.filter(status=CaseStatus.DECIDED), Q(publish_due_at__lt=now)
    )


def _appeals(now: datetime) -> Tally:
    """Requests for review awaiting the answer (3 working days, 第八章第二条)."""
    return tally_of(Appeal.objects.filter(status=AppealStatus.PENDING), Q(answer_due_at__lt=now))


def _behind_list(now: datetime) -> str:
    return admin_list(CASES, behind="yes")


ITEMS = (
    # RULEBOOK §9 (decisions added 2026-12): a notice past its deadline, a decision not published in time, an
    # appeal past its answer time.
    DeskItem(
        key="discipline.behind",
        label=_("Violation cases behind schedule"),
        roles=(Role.DAILY, Role.OVERSIGHT),
        order=40,
        tally=_behind,
        link=_behind_list,
        always_late=True,
    ),
    DeskItem(
        key="discipline.rectifications",
        label=_("Rectification deadlines due by today"),
        roles=(Role.DAILY,),
        order=42,
        tally=_rectifications,
        late_link=_behind_list,
        link=lambda now: admin_list(CASES, status__exact=CaseStatus.NOTICE_ISSUED),
    ),
    DeskItem(
        key="discipline.unpublished",
        label=_("Decided cases not yet published"),
        roles=(Role.OVERSIGHT,),
        order=44,
        tally=_unpublished,
        late_link=_behind_list,
        link=lambda now: admin_list(CASES, status__exact=CaseStatus.DECIDED),
    ),
    DeskItem(
        key="discipline.appeals",
        label=_("Requests for review awaiting an answer"),
        roles=(),
        order=46,
        tally=_appeals,
        link=lambda now: admin_list(
            "admin:discipline_appeal_changelist", status__exact=AppealStatus.PENDING
        ),
        late_link=lambda now: admin_list("admin:discipline_appeal_changelist", overdue="yes"),
    ),
)
