"""The resources app's item on the work desk (运营工作台, opc_community/core/desk.py): voucher applications
awaiting review. Registered in resources/apps.py; the tally is one query."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.roles import Role
from opc_community.core.desk import DeskItem, Tally, admin_list, tally_of, today_starts
from resources.models import VoucherApplication
from resources.models.vouchers import ApplicationStatus


def _voucher_applications(now: datetime) -> Tally:
    """Submitted applications; late when their review day is over (the list's "overdue" filter)."""
    waiting = VoucherApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
    return tally_of(waiting, Q(review_due_at__lt=today_starts(now)))


ITEMS = (
    # RULEBOOK §4.5: voucher applications are reviewed within the review time.
    DeskItem(
        key="resources.voucher_applications",
        label=_("Voucher applications awaiting review"),
        roles=(Role.RESOURCES,),
        order=70,
        tally=_voucher_applications,
        link=lambda now: admin_list(
            "admin:resources_voucherapplication_changelist",
            status__exact=ApplicationStatus.SUBMITTED,
        ),
        late_link=lambda now: admin_list(
            "admin:resources_voucherapplication_changelist", sla="overdue"
        ),
    ),
)
