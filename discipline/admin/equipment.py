"""The equipment-loan list's action "open a 3c case for the damage" (第八章第二条 3c 损坏公共资源).

Registered on the spaces app's loan admin through its extension point (``spaces.extensions``) from
``DisciplineConfig.ready()``; offered to staff who may open cases. Each selected loan returned damaged
gets its case (once: a second run names the case already open); other loans are named and skipped.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline.services import equipment as services
from opc_community.core.errors import DomainError

DESCRIPTION = gettext_lazy("Open a violation case for the damage (3c)")


def may_open_cases(request: HttpRequest) -> bool:
    return request.user.has_perm("discipline.add_violationcase")


def open_damage_cases(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    for loan in queryset:
        try:
            case = services.case_open_for_damaged_loan(loan_id=loan.pk, actor=request.user)
        except (DomainError, PermissionDenied) as error:
            modeladmin.message_user(request, f"{loan}: {getattr(error, 'message', error)}", messages.ERROR)
            continue
        modeladmin.message_user(
            request, _("%(loan)s: violation case %(number)s (3c) is open.") % {"loan": loan, "number": case.number},
            messages.SUCCESS,
        )
