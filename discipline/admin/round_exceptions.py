""""Refer for a violation case" on a closing round exception's page (第四章第一条 3、4 → 第八章第二条 2b, 6a).

Registered on the spaces app's exception page through its extension point
(``spaces.extensions.register_exception_step``, from ``DisciplineConfig.ready()``): a case handler picks
the resident responsible (found by typing), the kind and the facts (the exception's own by default).
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline.forms.incidents import RoundExceptionCaseForm
from discipline.models import ViolationCase
from discipline.services import round_exceptions as services
from discipline.services.cases import CASE_HANDLERS
from opc_community.accounts.permissions import has_role
from opc_community.core.admin_base import action_step

LABEL = gettext_lazy("Refer for a violation case")


def shown(request: HttpRequest, exception: Any) -> bool:
    """For case handlers, on an exception not referred yet."""
    return (bool(request.user.is_staff) and has_role(request.user, *CASE_HANDLERS)
            and services.case_of_exception(exception) is None)


def refer_view(modeladmin: admin.ModelAdmin, request: HttpRequest, exception: Any) -> HttpResponse:
    posted = "apply" in request.POST
    kind = "6a" if exception.item != "other" else "2b"
    form = RoundExceptionCaseForm(request.POST if posted else None,
                                  initial={"facts": services.default_facts(exception), "kind": kind})
    field = form.fields["resident"]
    field.widget = AutocompleteSelect(ViolationCase._meta.get_field("resident"), modeladmin.admin_site)
    field.widget.choices = field.choices
    back = reverse("admin:spaces_roundexception_change", args=[exception.pk])
    opened: list[ViolationCase] = []

    def apply(data: dict[str, Any]) -> None:
        opened.append(services.case_open_from_exception(
            exception_id=exception.pk, resident=data["resident"], kind=data["kind"], facts=data["facts"],
            actor=request.user))
        modeladmin.message_user(request, _("Violation case %(number)s opened.") % {"number": opened[0].number},
                                messages.SUCCESS)

    response = action_step(modeladmin, request, [exception], form=form, title=str(LABEL), action_name="",
                           apply=apply, single=True, back_url=back)
    if response is not None:
        return response
    return HttpResponseRedirect(reverse("admin:discipline_violationcase_change", args=[opened[0].pk]))
