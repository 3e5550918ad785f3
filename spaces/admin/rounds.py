"""Cleaning and closing rounds in the operations desk (第四章第一条 3、4): the cleaning and disinfection
log, the closing rounds with their exceptions, the missed rounds the daily job found. The rounds are
recorded on a phone (spaces/views/rounds.py); nothing here is typed or deleted. On an exception's page
the daily team opens a safety incident from it, and a higher app may add steps (the discipline app's
"refer for a violation case", ``spaces.extensions.register_exception_step``)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from spaces.extensions import exception_steps
from spaces.models import CleaningRound, ClosingRound, MissedRound, RoundException
from spaces.selectors import rounds as selectors
from spaces.services import rounds as services


def _area_name(row: Any) -> str:
    """The area's name (set on the page's rows at once by ``_AreaNames``; one query), else its code."""
    if not row.area:
        return "—"
    names = getattr(row, "area_names", None)
    if names is None:
        names = selectors.area_names(row.day)
    return names.get(row.area, row.area)


class _AreaNames:
    """Names the areas of a list page's rows from the rulebook in force today (one query per page)."""

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        names = selectors.area_names(timezone.localdate())
        for row in changelist.result_list:
            row.area_names = names
        return changelist


@admin.register(CleaningRound)
class CleaningRoundAdmin(_AreaNames, ReadOnlyAdmin):
    list_display = ("day", "area_name", "kind", "done_at", "done_by", "note")
    list_filter = ("kind", "area", ("day", admin.DateFieldListFilter))
    list_select_related = ("done_by",)
    date_hierarchy = "day"
    fields = list_display
    readonly_fields = fields

    @admin.display(description=gettext_lazy("area"), ordering="area")
    def area_name(self, row: CleaningRound) -> str:
        return _area_name(row)


class RoundExceptionInline(ReadOnlyInline):
    model = RoundException
    fields = ("item", "place", "description", "incident")
    readonly_fields = fields
    show_change_link = True


@admin.register(ClosingRound)
class ClosingRoundAdmin(ReadOnlyAdmin):
    list_display = ("day", "done_at", "done_by", "power_off", "locked", "no_hazards")
    list_filter = (("day", admin.DateFieldListFilter),)
    list_select_related = ("done_by",)
    fields = list_display
    readonly_fields = fields
    inlines = (RoundExceptionInline,)


class _Confirm(forms.Form):
    """No input: the step's page only asks to confirm."""


@admin.register(RoundException)
class RoundExceptionAdmin(ReadOnlyAdmin):
    list_display = ("closing_round", "item", "place", "description", "incident_link")
    list_filter = ("item", ("closing_round__day", admin.DateFieldListFilter))
    list_select_related = ("closing_round", "incident")
    search_fields = ("place", "description")
    fields = ("closing_round", "item", "place", "description", "incident_link")
    readonly_fields = fields
    change_form_template = "spaces/desks/admin/request_change_form.html"

    @admin.display(description=gettext_lazy("safety incident"))
    def incident_link(self, exception: RoundException) -> str:
        if exception.incident_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:spaces_incident_change", args=[exception.incident_id]),
                           exception.incident.number)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/incident/", view(self.incident_view), name="spaces_roundexception_incident"),
                path("<int:pk>/more/<str:key>/", view(self.more_view), name="spaces_roundexception_more"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        exception = RoundException.objects.filter(pk=object_id).first()
        if exception is not None:
            if exception.incident_id is None and services.is_rounds_staff(request.user):
                steps.append({"url": reverse("admin:spaces_roundexception_incident", args=[object_id]),
                              "label": _("Open a safety incident")})
            steps += [{"url": reverse("admin:spaces_roundexception_more", args=[object_id, step.key]),
                       "label": step.label} for step in exception_steps() if step.shown(request, exception)]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def incident_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not services.is_rounds_staff(request.user):
            raise PermissionDenied
        exception = get_object_or_404(RoundException, pk=pk)
        back = reverse("admin:spaces_roundexception_change", args=[pk])

        def apply(data: dict[str, Any]) -> None:
            incident = services.exception_open_incident(exception=exception, actor=request.user)
            self.message_user(request, _("Safety incident %(number)s opened.") % {"number": incident.number},
                              messages.SUCCESS)

        return action_step(self, request, [exception], form=_Confirm(request.POST if "apply" in request.POST else None),
                           title=_("Open a safety incident"), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)

    def more_view(self, request: HttpRequest, pk: int, key: str) -> HttpResponse:
        step = next((step for step in exception_steps() if step.key == key), None)
        if step is None:
            raise Http404
        exception = get_object_or_404(RoundException.objects.select_related("closing_round"), pk=pk)
        if not step.shown(request, exception):
            raise PermissionDenied
        return step.view(self, request, exception)


@admin.register(MissedRound)
class MissedRoundAdmin(_AreaNames, ReadOnlyAdmin):
    list_display = ("day", "kind", "area_name", "done", "expected", "flagged_at")
    list_filter = ("kind", "day")
    date_hierarchy = "day"
    fields = list_display
    readonly_fields = fields

    @admin.display(description=gettext_lazy("area"), ordering="area")
    def area_name(self, row: MissedRound) -> str:
        return _area_name(row)
