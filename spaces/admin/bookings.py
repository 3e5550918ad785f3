"""Rooms and bookings in the operations desk (第四章第一条; the daily management team).

- Rooms: added, edited and taken out of use here (a room that was ever booked is not deleted).
- Bookings: the list with the filters staff use (room, room type, status, when), search by
  resident, room or purpose; read-only rows; state changes only through the named actions
  "cancel (with a reason the resident is told)" and "check in", which call the services.
- No-show candidates (爽约候选): residents with 3 no-shows within 30 days (rule data), each
  linked to the resident and to their released bookings — the list staff use to decide on a
  "misuse of space" violation (2c, 第八章第二条).
- Credits: the roadshow-hall credit ledger, read-only (grants come from rewards).
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.core.admin_base import ReadOnlyAdmin, action_step
from opc_community.core.errors import DomainError
from spaces.forms.bookings import StaffCancelForm
from spaces.models import Booking, BookingStatus, RoadshowCredit, Room
from spaces.selectors import bookings as selectors
from spaces.services import booking_messages
from spaces.services import bookings as services


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "room_type", "floor", "capacity", "equipment", "is_active")
    list_filter = ("room_type", "floor", "is_active")
    search_fields = ("code", "name", "equipment")
    ordering = ("room_type", "code")
    fields = ("code", "name", "room_type", "floor", "capacity", "equipment", "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: Room | None = None) -> bool:
        # A room that was ever booked is part of residents' records; take it out of use instead.
        if obj is not None and obj.bookings.exists():
            return False
        return super().has_delete_permission(request, obj)


class WhenFilter(admin.SimpleListFilter):
    """By the booked day (Asia/Shanghai)."""

    title = gettext_lazy("when")
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("today", _("Today")),
            ("tomorrow", _("Tomorrow")),
            ("week", _("Next 7 days")),
            ("upcoming", _("Not yet started")),
            ("past", _("Past")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        now = timezone.now()
        midnight = datetime.combine(timezone.localdate(now), time.min, tzinfo=timezone.get_default_timezone())
        ranges = {
            "today": (midnight, midnight + timedelta(days=1)),
            "tomorrow": (midnight + timedelta(days=1), midnight + timedelta(days=2)),
            "week": (midnight, midnight + timedelta(days=7)),
        }
        if self.value() in ranges:
            start, end = ranges[self.value()]
            return queryset.filter(starts_at__gte=start, starts_at__lt=end)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "past":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    autocomplete_fields = ("resident", "booked_by", "checked_in_by", "cancelled_by")
    list_display = ("slot", "room", "resident", "status_label", "attendees", "uses_credit")
    list_display_links = ("slot",)
    list_filter = (WhenFilter, "status", "room__room_type", "room", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("resident__name", "room__code", "room__name", "purpose")
    list_select_related = ("room", "resident")
    ordering = ("-starts_at",)
    # At 30,000 bookings: no count of the whole table and no date drill-down (both scan every row);
    # the "when" and date filters above narrow the list instead.
    show_full_result_count = False
    actions = ("cancel_bookings", "check_in_bookings")
    change_list_template = "spaces/bookings/admin/change_list.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in Booking._meta.fields]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The no-show candidates page links to one resident's released bookings.
        return lookup == "resident__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents book in the portal or through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)  # the list's actions only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("time"), ordering="starts_at")
    def slot(self, booking: Booking) -> str:
        return booking_messages.format_slot(booking.starts_at, booking.ends_at)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, booking: Booking) -> str:
        return booking_messages.status_label(booking.status)

    # --- Actions ------------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Cancel the selected bookings (with a reason)"), permissions=["change"])
    def cancel_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            done = self._each(request, queryset, lambda booking: services.booking_cancel(
                booking=booking, actor=request.user, reason=data["reason"]))
            self.message_user(request, _("Bookings cancelled: %(count)s. The residents were told why.")
                              % {"count": done}, messages.SUCCESS)

        return action_step(
            self, request, queryset.select_related("room", "resident"),
            form=StaffCancelForm(request.POST if "apply" in request.POST else None), title=_("Cancel bookings"),
            action_name="cancel_bookings", apply=apply, template="spaces/bookings/admin/action_form.html",
        )

    @admin.action(description=gettext_lazy("Check in the selected bookings"), permissions=["change"])
    def check_in_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        done = self._each(request, queryset, lambda booking: services.booking_check_in(
            booking=booking, actor=request.user))
        if done:
            self.message_user(request, _("Bookings checked in: %(count)s.") % {"count": done}, messages.SUCCESS)

    def _each(self, request: HttpRequest, queryset: QuerySet[Booking], call: Any) -> int:
        """Apply ``call`` to each booking; a refusal is reported for that booking and the others go on."""
        done = 0
        for booking in queryset.select_related("room", "resident"):
            try:
                call(booking)
            except DomainError as error:
                self.message_user(request, f"{booking.room} {booking_messages.format_slot(booking.starts_at, booking.ends_at)}: "
                                  f"{error.message}", messages.ERROR)
            else:
                done += 1
        return done

    # --- No-show candidates ---------------------------------------------------------------------------

    def get_urls(self) -> list:
        return [
            path("no-show-candidates/", self.admin_site.admin_view(self.no_show_candidates_view),
                 name="spaces_booking_no_show_candidates"),
            *super().get_urls(),
        ]

    def no_show_candidates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        rules_in_force = rulebook.in_force(on=timezone.localdate(now))
        section = rules_in_force.booking
        candidates = list(selectors.no_show_candidates(now=now, rules_in_force=rules_in_force))
        bookings_url = reverse("admin:spaces_booking_changelist")
        for resident in candidates:
            resident.admin_url = reverse("admin:residents_resident_change", args=[resident.pk])
            resident.bookings_url = f"{bookings_url}?resident__id__exact={resident.pk}&status__exact={BookingStatus.RELEASED}"
        context = {
            **self.admin_site.each_context(request),
            "title": _("No-show candidates"),
            "opts": self.model._meta,
            "candidates": candidates,
            "rule": _(
                "Residents with at least %(limit)s no-shows (bookings released because nobody checked in) within the "
                "last %(days)s days: candidates for the violation “misuse of space” (2c, Chapter 8, Article 2). "
                "Staff decide whether to open it."
            ) % {"limit": section.no_show_limit, "days": section.no_show_window_days},
            "since": date_format(timezone.localtime(now - timedelta(days=section.no_show_window_days)), "DATE_FORMAT"),
        }
        return TemplateResponse(request, "spaces/bookings/admin/no_show_candidates.html", context)


@admin.register(RoadshowCredit)
class RoadshowCreditAdmin(ReadOnlyAdmin):
    """The credit ledger (第八章第一条): grants from rewards, uses by bookings, returns on cancellation."""

    list_display = ("created_at", "resident", "kind", "change", "max_hours", "booking_link", "source_key", "note")
    list_filter = ("kind",)
    search_fields = ("resident__name", "source_key")
    list_select_related = ("resident", "booking", "booking__room")
    ordering = ("-created_at", "-id")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in RoadshowCredit._meta.fields]

    @admin.display(description=gettext_lazy("booking"))
    def booking_link(self, credit: RoadshowCredit) -> str:
        if credit.booking is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:spaces_booking_change", args=[credit.booking_id]),
                           booking_messages.format_slot(credit.booking.starts_at, credit.booking.ends_at))
