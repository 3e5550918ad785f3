"""The operations desk for activities (活动) and attendance (RULEBOOK §6; 第六章第一条 维度一).

- **Activities**: the resources team and the administrator publish (add) and change them through
  ``activity_create`` / ``activity_update`` (the same checks as the API, shown next to each field);
  they are cancelled only through the named action 「取消活动」 with a reason sent to the registered
  residents. A cancelled or finished activity is read-only; nothing is deleted. The list shows
  places taken and check-ins per activity, links to the phone check-in sheet, and exports the
  attendance of the selected activities to Excel.
- **Registrations** and **attendance**: read-only lists with the filters staff use (activity kind,
  check-in method, date) and search by resident; attendance exports to Excel.

Who: the resources team writes (role matrix: ``resources`` WRITE), the administrator too;
oversight reads; the daily management team has no part in activities (第二章).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.moments import format_day
from resources.forms.activities import ActivityForm, CancelForm, RoomForm
from resources.models import Activity, ActivityRegistration, Attendance
from resources.rules import activities as rules
from resources.selectors import activities as selectors
from resources.services import activities as services

# --- Filters ------------------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [
            ("upcoming", _("upcoming")),
            ("running", _("in progress")),
            ("over", _("over")),
            ("cancelled", _("cancelled")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        live = queryset.filter(cancelled_at__isnull=True)
        return {
            "upcoming": lambda: live.filter(starts_at__gt=now),
            "running": lambda: live.filter(starts_at__lte=now, ends_at__gt=now),
            "over": lambda: live.filter(ends_at__lte=now),
            "cancelled": lambda: queryset.filter(cancelled_at__isnull=False),
        }.get(self.value(), lambda: queryset)()


# --- Inlines ------------------------------------------------------------------------------------------


class RegistrationInline(ReadOnlyInline):
    model = ActivityRegistration
    fields = ("resident", "registered_at", "cancelled_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("resident").order_by("registered_at", "pk")


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ("resident", "checked_in_at", "method", "checked_in_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("resident", "checked_in_by").order_by("checked_in_at")


# --- Excel ----------------------------------------------------------------------------------------------

ATTENDANCE_COLUMNS = (
    Column(gettext_lazy("activity"), lambda a: a.activity.title, width=30),
    Column(gettext_lazy("kind"), lambda a: a.activity.get_kind_display()),
    Column(gettext_lazy("starts at"), lambda a: a.activity.starts_at, "datetime", width=18),
    Column(gettext_lazy("counts for attendance"), lambda a: _("Yes") if a.activity.counts_for_attendance else _("No")),
    Column(gettext_lazy("resident"), lambda a: a.resident.name, width=20),
    Column(gettext_lazy("check-in time"), lambda a: a.checked_in_at, "datetime", width=18),
    Column(gettext_lazy("checked in by"), lambda a: a.get_method_display(), width=18),
    Column(gettext_lazy("recorded by"), lambda a: a.checked_in_by.get_full_name() or a.checked_in_by.get_username()),
)


def _attendance_workbook(queryset: QuerySet[Attendance], name: str) -> HttpResponse:
    rows = queryset.select_related("activity", "resident", "checked_in_by").order_by(
        "activity__starts_at", "activity_id", "checked_in_at"
    )
    return xlsx_response(name, Sheet(_("Attendance"), ATTENDANCE_COLUMNS, rows))


# --- Activities ---------------------------------------------------------------------------------------------


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityForm
    list_display = (
        "title", "kind", "when", "place", "places", "attended_count", "counts_for_attendance", "state", "sheet_link",
    )
    list_filter = (StateFilter, "kind", "counts_for_attendance", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "place", "description")
    date_hierarchy = "starts_at"
    list_select_related = ("created_by",)
    actions = ("cancel_activities", "export_attendance")
    inlines = (RegistrationInline, AttendanceInline)
    fieldsets = (
        (None, {"fields": ("title", "kind", "starts_at", "ends_at", "place", "capacity", "counts_for_attendance",
                           "description")}),
    )
    record_fields = ("sheet_link", "places", "attended_count", "state", "created_by", "created_at", "cancelled_at",
                     "room")

    # --- Permissions: the role matrix decides; nothing is deleted; history is read-only --------------

    def has_delete_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        if obj is not None and (obj.cancelled_at is not None or obj.ends_at <= timezone.now()):
            return False  # a cancelled or finished activity is history
        return super().has_change_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- The list ---------------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        return selectors.activities_for_staff()

    @admin.display(description=gettext_lazy("time"), ordering="starts_at")
    def when(self, activity: Activity) -> str:
        start, end = timezone.localtime(activity.starts_at), timezone.localtime(activity.ends_at)
        return f"{format_day(start)} {start:%H:%M}–{end:%H:%M}"

    @admin.display(description=gettext_lazy("registered / places"))
    def places(self, activity: Activity) -> str:
        return f"{getattr(activity, 'taken', 0)} / {activity.capacity}"

    @admin.display(description=gettext_lazy("signed in"))
    def attended_count(self, activity: Activity) -> int:
        return getattr(activity, "attended", 0)

    @admin.display(description=gettext_lazy("state"))
    def state(self, activity: Activity) -> str:
        window = rules.checkin_window(
            starts_at=activity.starts_at, ends_at=activity.ends_at, cancelled=activity.cancelled_at is not None,
            now=timezone.now(),
        )
        if window == rules.Window.CANCELLED:
            return format_html('<strong style="color:#b42318">{}</strong>', _("cancelled"))
        if window == rules.Window.OVER:
            return _("over")
        if window == rules.Window.OPEN:
            return format_html('<strong style="color:#067647">{}</strong>', _("check-in open"))
        return _("upcoming")

    @admin.display(description=gettext_lazy("check-in sheet"))
    def sheet_link(self, activity: Activity) -> str:
        if activity.pk is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("resources:checkin_sheet", args=[activity.pk]), _("Open the check-in sheet"),
        )

    # --- One activity -------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("room booking"))
    def room(self, activity: Activity) -> str:
        """The reserved room and a link to reserve one or give it back (``room_view``)."""
        booking = activity.booking
        text = (format_html('<a href="{}">{}</a> · {}', reverse("admin:spaces_booking_change", args=[booking.pk]),
                            booking.room.name, booking.get_status_display()) if booking else _("no room reserved"))
        if activity.cancelled_at is not None or activity.ends_at <= timezone.now():
            return text
        label = _("Release the room") if services.confirmed_room_booking(activity) else _("Reserve a room")
        return format_html('{} · <a href="{}">{}</a>', text, reverse("admin:resources_activity_room", args=[activity.pk]),
                           label)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/room/", self.admin_site.admin_view(self.room_view), name="resources_activity_room"),
            *super().get_urls(),
        ]

    def room_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Reserve a room for the activity's whole time, or release the reserved one (the services decide)."""
        activity = get_object_or_404(Activity.objects.select_related("booking__room"), pk=pk)
        if not self.has_change_permission(request, activity):
            raise PermissionDenied
        back = reverse("admin:resources_activity_change", args=[activity.pk])
        releasing = services.confirmed_room_booking(activity) is not None

        def apply(data: dict[str, Any]) -> None:
            if releasing:
                services.activity_room_release(activity=activity, actor=request.user)
                done = _("%(title)s: the room was released.") % {"title": activity.title}
            else:
                services.activity_room_reserve(activity=activity, room=data["room"], actor=request.user)
                done = _("%(title)s: %(room)s is reserved for the activity.") % {
                    "title": activity.title, "room": data["room"].name}
            self.message_user(request, done, messages.SUCCESS)

        page = action_step(
            self, request, [activity], form=(forms.Form if releasing else RoomForm)(
                request.POST if request.method == "POST" else None),
            title=_("Release the room") if releasing else _("Reserve a room"), action_name="", apply=apply,
            single=True, back_url=back,
        )
        return page or HttpResponseRedirect(back)

    def get_fieldsets(self, request: HttpRequest, obj: Activity | None = None) -> Any:
        if obj is None:
            return self.fieldsets
        return (*self.fieldsets, (_("Record"), {"fields": self.record_fields}))

    def get_readonly_fields(self, request: HttpRequest, obj: Activity | None = None) -> Any:
        return () if obj is None else self.record_fields

    def get_inlines(self, request: HttpRequest, obj: Activity | None) -> Any:
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Activity, form: ActivityForm, change: bool) -> None:
        """Publishing and changing go through the services (the form already ran the same checks)."""
        data = {field: form.cleaned_data[field] for field in services.EDITABLE}
        if change:
            saved = services.activity_update(activity=obj, actor=request.user, **data)
        else:
            saved = services.activity_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # registrations and attendance are written by residents and at the door, not here

    # --- The named actions ---------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Cancel the selected activities"), permissions=["change"])
    def cancel_activities(self, request: HttpRequest, queryset: QuerySet[Activity]) -> TemplateResponse | None:
        """Ask for the reason, then cancel each activity through the service (registered residents are told)."""
        def apply(data: dict[str, Any]) -> None:
            for activity in queryset:
                try:
                    services.activity_cancel(activity=activity, reason=data["reason"], actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{activity.title}: {error.message}", messages.ERROR)
                else:
                    self.message_user(
                        request, _("%(title)s: cancelled; the registered residents were told.") % {"title": activity.title},
                        messages.SUCCESS,
                    )

        return action_step(
            self, request, queryset, form=CancelForm(request.POST if "apply" in request.POST else None),
            title=_("Cancel the selected activities"), action_name="cancel_activities", apply=apply,
            template="resources/admin/cancel_form.html",
        )

    @admin.action(description=gettext_lazy("Export the attendance of the selected activities to Excel"),
                  permissions=["view"])
    def export_attendance(self, request: HttpRequest, queryset: QuerySet[Activity]) -> HttpResponse:
        return _attendance_workbook(
            Attendance.objects.filter(activity__in=queryset.values("pk")), f"attendance-{timezone.localdate():%Y%m%d}"
        )


# --- Registrations and attendance (read-only) ------------------------------------------------------------------


class LiveFilter(admin.SimpleListFilter):
    title = gettext_lazy("registration")
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("registered")), ("no", _("cancelled"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(cancelled_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(cancelled_at__isnull=False)
        return queryset


@admin.register(ActivityRegistration)
class ActivityRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("activity", "resident", "registered_at", "cancelled_at")
    list_filter = (LiveFilter, "activity__kind", ("activity__starts_at", admin.DateFieldListFilter))
    search_fields = ("resident__name", "resident__user__phone", "activity__title")
    list_select_related = ("activity", "resident")
    date_hierarchy = "registered_at"


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("activity", "resident", "checked_in_at", "method", "checked_in_by")
    list_filter = ("method", "activity__kind", "activity__counts_for_attendance",
                   ("checked_in_at", admin.DateFieldListFilter))
    search_fields = ("resident__name", "resident__user__phone", "activity__title")
    list_select_related = ("activity", "resident", "checked_in_by")
    date_hierarchy = "checked_in_at"
    actions = ("export",)

    @admin.action(description=gettext_lazy("Export the selected attendance to Excel"), permissions=["view"])
    def export(self, request: HttpRequest, queryset: QuerySet[Attendance]) -> HttpResponse:
        return _attendance_workbook(queryset, f"attendance-{timezone.localdate():%Y%m%d}")
