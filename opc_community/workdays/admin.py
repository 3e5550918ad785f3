"""The calendar in the operations desk: holidays, loaded years, loading a year from a file, and the
record of calendar changes. Every edit goes through ``workdays.services``, which recomputes the
open provisional deadlines in the same transaction (RULEBOOK §2). Oversight and the staff groups
read; the administrator changes (``accounts.roles``)."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.actors import actor_of
from opc_community.workdays import services
from opc_community.workdays.files import MAX_BYTES, Day, parse_schedule
from opc_community.workdays.models import CalendarChange, CalendarYear, SpecialDay
from opc_community.workdays.registry import label_of
from opc_community.workdays.selectors import provisional_summary

#: What loading a year changes: its special days (replaced) and the loaded years.
LOAD_PERMISSIONS = (
    "workdays.add_specialday", "workdays.delete_specialday",
    "workdays.add_calendaryear", "workdays.change_calendaryear",
)
_PAYLOAD_SALT = "workdays.year_load"
_PAYLOAD_MAX_AGE = 60 * 60  # a preview older than an hour is loaded again from the file


class CalendarAdmin(admin.ModelAdmin):
    """The calendar's list pages: how many open deadlines are still provisional, and the file upload."""

    change_list_template = "workdays/admin/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "provisional": provisional_summary(),
            "may_load": request.user.has_perms(LOAD_PERMISSIONS),
        }
        return super().changelist_view(request, context)


@admin.register(SpecialDay)
class SpecialDayAdmin(CalendarAdmin):
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: SpecialDay) -> str:
        return date_format(obj.date, "l")

    def save_model(self, request: HttpRequest, obj: SpecialDay, form: Any, change: bool) -> None:
        _said(request, services.special_day_save(day=obj, actor=actor_of(request)))

    def delete_model(self, request: HttpRequest, obj: SpecialDay) -> None:
        _said(request, services.special_days_delete(days=[obj], actor=actor_of(request)))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SpecialDay]) -> None:
        _said(request, services.special_days_delete(days=queryset, actor=actor_of(request)))


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    list_display = ("year", "source", "note", "loaded_at")
    readonly_fields = ("loaded_at",)
    ordering = ("-year",)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        _said(request, services.calendar_year_save(calendar_year=obj, actor=actor_of(request)))

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        _said(request, services.calendar_years_delete(years=[obj], actor=actor_of(request)))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        _said(request, services.calendar_years_delete(years=queryset, actor=actor_of(request)))

    def get_urls(self) -> list[Any]:
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="workdays_calendaryear_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Load a year from a file: the file is checked line by line, then a preview shows the days
        and the deadlines that would move; only the confirmation writes (all or nothing)."""
        if not request.user.has_perms(LOAD_PERMISSIONS):
            raise PermissionDenied
        context: dict[str, Any] = {}
        if request.method == "POST" and "payload" in request.POST:
            form = ScheduleUploadForm(initial={"year": request.POST.get("year")})
            try:
                year, note, days = _unsign(request.POST["payload"])
            except signing.BadSignature:
                messages.error(request, gettext("The preview has expired or was altered: upload the file again."))
            else:
                change = services.year_load(year=year, days=days, actor=actor_of(request), note=note)
                _said(request, change)
                return HttpResponseRedirect(reverse("admin:workdays_calendarchange_change", args=[change.pk]))
        elif request.method == "POST":
            form = ScheduleUploadForm(request.POST, request.FILES)
            if form.is_valid():
                year, days, note = form.cleaned_data["year"], form.cleaned_data["days"], form.cleaned_data["note"]
                context.update(
                    year=year,
                    diff=services.year_diff(year=year, days=days),
                    preview=_results(services.year_load_preview(year=year, days=days, actor=actor_of(request))),
                    payload=_sign(year, note, days),
                )
        else:
            form = ScheduleUploadForm(initial={"year": timezone.localdate().year + 1})
        return TemplateResponse(request, "workdays/admin/upload.html", {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Load a year's holidays from a file"),
            "form": form,
            "provisional": provisional_summary(),
            **context,
        })


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    """The record of calendar changes (append-only): read, never edited."""

    list_display = ("at", "actor", "source", "summary", "moved")
    list_filter = ("source",)
    list_select_related = ("actor",)
    fields = ("at", "actor", "source", "summary", "moved", "per_kind")
    readonly_fields = fields

    @admin.display(description=_("deadlines per kind"))
    def per_kind(self, change: CalendarChange) -> str:
        return render_to_string("workdays/admin/results.html", {"results": _results(change)})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScheduleUploadForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("schedule file"),
        help_text=_(
            "CSV with one day a line — date,kind,name, e.g. 2027-01-01,holiday,元旦 (kind: holiday or "
            "workday) — or JSON: [{\"date\": \"2027-01-01\", \"kind\": \"holiday\", \"name\": \"元旦\"}, …]. "
            "The file is the year's whole schedule: days of the year not in it are removed."
        ),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False,
                           help_text=_("e.g. the State Council's notice: 国办发明电〔2026〕X号"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, year = cleaned.get("file"), cleaned.get("year")
        if upload is None or year is None:
            return cleaned
        # Never more than the limit in memory: one byte over it is enough to refuse the file.
        parsed = parse_schedule(upload.read(MAX_BYTES + 1), filename=upload.name, year=year)
        for error in parsed.errors:
            self.add_error("file", error)
        cleaned["days"] = parsed.days
        return cleaned


def _sign(year: int, note: str, days: list[Day]) -> str:
    return signing.dumps(
        {"year": year, "note": note, "days": [[d.date.isoformat(), d.kind, d.name] for d in days]},
        salt=_PAYLOAD_SALT,
    )


def _unsign(token: str) -> tuple[int, str, list[Day]]:
    data = signing.loads(token, salt=_PAYLOAD_SALT, max_age=_PAYLOAD_MAX_AGE)
    return data["year"], data["note"], [Day(date.fromisoformat(d), kind, name) for d, kind, name in data["days"]]


def _results(change: CalendarChange) -> list[dict[str, Any]]:
    """A change's counts per deadline kind, labelled, for the pages."""
    return [{"label": label_of(key), **counts} for key, counts in change.results.items()]


def _said(request: HttpRequest, change: CalendarChange) -> None:
    """Tell the staff member what the calendar change did to the deadlines."""
    messages.success(request, gettext(
        "Calendar changed: %(summary)s %(moved)d open provisional deadline(s) moved."
    ) % {"summary": change.summary, "moved": change.moved})
