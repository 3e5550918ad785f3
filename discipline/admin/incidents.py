""""Open a violation case" on a safety incident's page (第七章 → 第八章第二条 kinds 6a, 6b, 6c).

Registered on the spaces app's incident page through its extension point
(``spaces.admin.safety.register_incident_step``, from ``DisciplineConfig.ready()``): the daily
management team picks the resident responsible (found by typing), the kind and the facts (the
incident's own by default); the service opens the case with the incident's photo as evidence.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline.forms.incidents import IncidentCaseForm
from discipline.models import ViolationCase
from discipline.services import incidents as services
from discipline.services.cases import CASE_HANDLERS
from opc_community.accounts.permissions import has_role
from opc_community.core.admin_base import action_step

LABEL = gettext_lazy("Open a violation case")


def shown(request: HttpRequest, incident: Any) -> bool:
    """For case handlers, on an incident not closed that has no case yet."""
    return (bool(request.user.is_staff) and has_role(request.user, *CASE_HANDLERS)
            and incident.status != "closed" and services.case_of_incident(incident) is None)


def open_case_view(modeladmin: admin.ModelAdmin, request: HttpRequest, incident: Any) -> HttpResponse:
    posted = "apply" in request.POST
    form = IncidentCaseForm(request.POST if posted else None,
                            initial={"facts": services.default_facts(incident), "kind": "6a"})
    field = form.fields["resident"]
    field.widget = AutocompleteSelect(ViolationCase._meta.get_field("resident"), modeladmin.admin_site)
    field.widget.choices = field.choices
    back = reverse("admin:spaces_incident_change", args=[incident.pk])
    opened: list[ViolationCase] = []

    def apply(data: dict[str, Any]) -> None:
        opened.append(services.case_open_from_incident(
            incident_id=incident.pk, resident=data["resident"], kind=data["kind"], facts=data["facts"],
            actor=request.user))
        modeladmin.message_user(request, _("Violation case %(number)s opened; the incident's photo is its "
                                           "evidence.") % {"number": opened[0].number}, messages.SUCCESS)

    response = action_step(modeladmin, request, [incident], form=form, title=str(LABEL), action_name="",
                           apply=apply, single=True, back_url=back)
    if response is not None:
        return response
    return HttpResponseRedirect(reverse("admin:discipline_violationcase_change", args=[opened[0].pk]))
