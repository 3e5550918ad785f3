"""The front desk and the visitor log in the operations desk (外来访客, 第四章第一条，第七章第二条).

- **Front desk** (前台, ``…/visitor/front-desk/``; the daily management team and the administrator):
  a one-screen registration form (name, phone, host found by typing, purpose, expected
  time) above the day's board — visitors expected today and anyone still inside — with
  one button per allowed step: host confirmed / refused by phone (recorded as answered
  on the host's behalf), admit (only once the host confirmed), sign out, cancel.
- **The log** (访客登记簿, the list): searchable by visitor name and host, filtered by status
  and a day range, exported to Excel with the same filters; the same steps as list actions.

Privacy: the visitor's full phone number is shown only to the front desk; every other
staff group with read access (oversight) sees it masked, in the list, on a visitor's
page and in the export, and cannot search by it. Nothing is edited by hand or deleted.
"""

from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.masking import mask_phone
from spaces.forms.visitors import VisitorRegisterForm
from spaces.models import Visitor
from spaces.rules.visitors import front_desk_steps
from spaces.selectors import visitors as selectors
from spaces.services import visitors as services

#: The front desk's buttons, by step.
STEP_LABELS = {
    "confirm_by_phone": gettext_lazy("Host confirmed by phone"),
    "refuse_by_phone": gettext_lazy("Host refused by phone"),
    "admit": gettext_lazy("Admit"),
    "sign_out": gettext_lazy("Sign out"),
    "cancel": gettext_lazy("Cancel the visit"),
}


class ExpectedDayRangeFilter(admin.FieldListFilter):
    """A day range (both days included, Asia/Shanghai) typed into two date fields: ``?expected_at__from=…&…__to=…``."""

    template = "spaces/visitors/admin/day_range_filter.html"

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any,
                 field_path: str) -> None:
        self.parameter_from = f"{field_path}__from"
        self.parameter_to = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = gettext_lazy("expected between")

    def expected_parameters(self) -> list[str]:
        return [self.parameter_from, self.parameter_to]

    def _day(self, parameter: str) -> date | None:
        values = self.used_parameters.get(parameter) or []
        value = values[-1] if isinstance(values, list) and values else values
        if not value:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return selectors.search_log(
            queryset, expected_from=self._day(self.parameter_from), expected_to=self._day(self.parameter_to)
        )

    def get_facet_counts(self, pk_attname: str, filtered_qs: QuerySet) -> dict:
        return {}

    def choices(self, changelist: Any) -> Any:
        own = set(self.expected_parameters())
        yield {
            "from": changelist.params.get(self.parameter_from, ""),
            "to": changelist.params.get(self.parameter_to, ""),
            "parameter_from": self.parameter_from,
            "parameter_to": self.parameter_to,
            "hidden": [(key, value) for key, value in changelist.params.items() if key not in own],
            "clear_url": changelist.get_query_string(remove=list(own)),
            "active": bool(own & set(changelist.params)),
        }


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    autocomplete_fields = ("host", "registered_by", "confirmed_by")
    list_filter = ("status", ("expected_at", ExpectedDayRangeFilter), "confirmed_by_phone")
    search_fields = ("name", "host__name", "purpose")
    list_select_related = ("host", "registered_by", "confirmed_by")
    ordering = ("-expected_at", "-pk")
    actions = ("confirm_by_phone", "admit", "sign_out", "cancel")
    change_list_template = "spaces/visitors/admin/change_list.html"
    list_per_page = 50

    _COLUMNS = ("expected_at", "name", "%(phone)s", "host", "purpose", "status", "answered", "admitted_at",
                "signed_out_at", "registered_by")
    _FIELDS = ("name", "%(phone)s", "host", "purpose", "expected_at", "status", "registered_by", "registered_at",
               "confirmed_by", "confirmed_at", "confirmed_by_phone", "admitted_at", "signed_out_at", "note")

    # --- Who sees what --------------------------------------------------------------------------

    def has_frontdesk_permission(self, request: HttpRequest) -> bool:
        return services.is_front_desk(request.user)

    def _phone_column(self, request: HttpRequest) -> str:
        return "phone" if services.is_front_desk(request.user) else "masked_phone"

    def get_list_display(self, request: HttpRequest) -> Any:
        phone = self._phone_column(request)
        return [phone if column == "%(phone)s" else column for column in self._COLUMNS]

    def get_search_fields(self, request: HttpRequest) -> Any:
        # Searching by number would let a reader probe numbers it may not see.
        return (*self.search_fields, "phone") if services.is_front_desk(request.user) else self.search_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        phone = self._phone_column(request)
        return [phone if field == "%(phone)s" else field for field in self._FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # statuses move only through the front desk's steps

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the log is kept (第七章第二条)

    @admin.display(description=gettext_lazy("visitor's phone"))
    def masked_phone(self, visitor: Visitor) -> str:
        return mask_phone(visitor.phone)

    @admin.display(description=gettext_lazy("answered by"))
    def answered(self, visitor: Visitor) -> str:
        if visitor.confirmed_by is None:
            return "—"
        who = visitor.confirmed_by.get_full_name() or visitor.confirmed_by.get_username()
        return f"{who} · {_('by phone')}" if visitor.confirmed_by_phone else who

    # --- Pages ------------------------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("front-desk/", view(self.front_desk_view), name="spaces_visitor_front_desk"),
            path("<int:pk>/step/<str:step>/", view(require_POST(self.step_view)), name="spaces_visitor_step"),
            path("export/", view(self.export_view), name="spaces_visitor_export"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:spaces_visitor_front_desk"))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "is_front_desk": services.is_front_desk(request.user)}
        return super().changelist_view(request, extra_context)

    def front_desk_view(self, request: HttpRequest) -> HttpResponse:
        """前台: register a visitor (one form) and work the day's board, full phone numbers shown."""
        if not services.is_front_desk(request.user):
            raise PermissionDenied
        form = VisitorRegisterForm(request.POST if request.method == "POST" else None)
        host = form.fields["host"]
        host.widget = AutocompleteSelect(Visitor._meta.get_field("host"), self.admin_site)
        host.widget.choices = host.choices
        if request.method == "POST" and form.is_valid():
            try:
                visitor = services.visitor_register(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                if error.field in form.fields:
                    form.add_error(error.field, error.message)
                else:
                    self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s registered for %(host)s; the host is asked to confirm.")
                    % {"name": visitor.name, "host": visitor.host},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:spaces_visitor_front_desk"))
        today = timezone.localdate()
        board = list(selectors.front_desk_board(today))
        rows = [
            {"visitor": visitor, "steps": [(step, STEP_LABELS[step]) for step in front_desk_steps(visitor.status)]}
            for visitor in board
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Front desk: visitors"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "rows": rows,
            "today": today,
            "here": reverse("admin:spaces_visitor_front_desk"),
        }
        return TemplateResponse(request, "spaces/visitors/admin/front_desk.html", context,
                                status=400 if form.is_bound and form.errors else 200)

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """One front-desk step on one visitor (POST), back to where the button was."""
        if step not in STEP_LABELS:
            raise Http404
        if not services.is_front_desk(request.user):
            raise PermissionDenied
        visitor = get_object_or_404(Visitor.objects.select_related("host"), pk=pk)
        self._run(request, step, visitor)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("admin:spaces_visitor_front_desk")
        return HttpResponseRedirect(target)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The log as shown (same search and filters) as an Excel workbook; phones masked unless front desk."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request)
        full = services.is_front_desk(request.user)
        columns = [
            Column(_("expected at"), lambda v: v.expected_at, "datetime", 18),
            Column(_("visitor's name"), lambda v: v.name, width=14),
            Column(_("visitor's phone"), (lambda v: v.phone) if full else (lambda v: mask_phone(v.phone)), width=16),
            Column(_("host"), lambda v: v.host.name, width=20),
            Column(_("purpose"), lambda v: v.purpose, width=30),
            Column(_("status"), lambda v: v.get_status_display(), width=14),
            Column(_("registered by"), lambda v: _person(v.registered_by)),
            Column(_("registered at"), lambda v: v.registered_at, "datetime", 18),
            Column(_("answered by"), lambda v: _person(v.confirmed_by)),
            Column(_("confirmed by phone on the host's behalf"), lambda v: _("yes") if v.confirmed_by_phone else "",
                   width=10),
            Column(_("admitted at"), lambda v: v.admitted_at, "datetime", 18),
            Column(_("signed out at"), lambda v: v.signed_out_at, "datetime", 18),
            Column(_("note"), lambda v: v.note, width=24),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(f"visitors-{stamp}", Sheet(_("Visitor log"), columns, rows.iterator(chunk_size=500)))

    # --- The steps as list actions -----------------------------------------------------------------

    @admin.action(description=gettext_lazy("Host confirmed by phone"), permissions=["frontdesk"])
    def confirm_by_phone(self, request: HttpRequest, queryset: QuerySet[Visitor]) -> None:
        self._run_all(request, "confirm_by_phone", queryset)

    @admin.action(description=gettext_lazy("Admit"), permissions=["frontdesk"])
    def admit(self, request: HttpRequest, queryset: QuerySet[Visitor]) -> None:
        self._run_all(request, "admit", queryset)

    @admin.action(description=gettext_lazy("Sign out"), permissions=["frontdesk"])
    def sign_out(self, request: HttpRequest, queryset: QuerySet[Visitor]) -> None:
        self._run_all(request, "sign_out", queryset)

    @admin.action(description=gettext_lazy("Cancel the visit"), permissions=["frontdesk"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Visitor]) -> None:
        self._run_all(request, "cancel", queryset)

    def _run_all(self, request: HttpRequest, step: str, queryset: QuerySet[Visitor]) -> None:
        for visitor in queryset.select_related("host"):
            self._run(request, step, visitor)

    def _run(self, request: HttpRequest, step: str, visitor: Visitor) -> bool:
        try:
            services.front_desk_step(step, visitor=visitor, actor=request.user)
        except DomainError as error:
            self.message_user(request, f"{visitor.name}: {error.message}", messages.ERROR)
            return False
        self.message_user(request, f"{visitor.name}: {STEP_LABELS[step]} ✓", messages.SUCCESS)
        return True


def _person(user: Any) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())
