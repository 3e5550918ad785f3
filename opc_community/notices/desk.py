"""The notice board's items on the work desk (运营工作台, opc_community/core/desk.py): objections awaiting a
decision, publication windows closing today. Registered in notices/apps.py; each tally is one query."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.roles import Role
from opc_community.core.desk import DeskItem, admin_list
from opc_community.notices import selectors
from opc_community.notices.models import ObjectionStatus, PublicationStatus

#: Every team publishes and answers objections to its own publications (RULEBOOK §10); oversight watches.
NOTICE_ROLES = (Role.INTAKE, Role.RESOURCES, Role.DAILY, Role.OVERSIGHT)

ITEMS = (
    # RULEBOOK §10 (decisions added 2026-12): an objection is decided by its decide-by time.
    DeskItem(
        key="notices.objections",
        label=_("Objections awaiting a decision"),
        roles=NOTICE_ROLES,
        order=60,
        tally=selectors.desk_objections,
        link=lambda now: admin_list(
            "admin:notices_objection_changelist", status__exact=ObjectionStatus.PENDING
        ),
        late_link=lambda now: admin_list("admin:notices_objection_changelist", overdue="yes"),
    ),
    # RULEBOOK §10: a publication takes effect when its window closes.
    DeskItem(
        key="notices.closing",
        label=_("Publication windows closing today"),
        roles=NOTICE_ROLES,
        order=62,
        tally=selectors.desk_closing,
        link=lambda now: admin_list(
            "admin:notices_publication_changelist",
            status__exact=PublicationStatus.OPEN,
            window_ends_at__lt=(timezone.localdate(now) + timedelta(days=1)).isoformat(),
        ),
    ),
)
