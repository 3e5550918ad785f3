"""The desk register in the operations desk (第四章第一条): desks by floor and zone, who sits where.

Small on purpose: the spaces issue adds rooms, bookings and desk-change requests.
Desks are edited by the daily management team (role matrix: spaces WRITE); assignments
are made by check-in and released at exit, never edited by hand here.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spaces.models import Desk, DeskAssignment
from spaces.selectors import desks_with_occupant
from spaces.services import desk_release


class OccupiedFilter(admin.SimpleListFilter):
    title = gettext_lazy("occupancy")
    parameter_name = "occupied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("occupied")), ("no", _("free"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Desk]) -> QuerySet[Desk]:
        if self.value() == "yes":
            return queryset.filter(occupant_id__isnull=False)
        if self.value() == "no":
            return queryset.filter(occupant_id__isnull=True)
        return queryset


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("code", "floor", "zone", "is_active", "occupant", "assigned_at")
    list_filter = ("floor", "zone", "is_active", OccupiedFilter)
    search_fields = ("code", "zone", "assignments__resident__name")
    ordering = ("floor", "zone", "code")
    fields = ("code", "floor", "zone", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Desk]:
        return desks_with_occupant()  # the occupant in the same query (one per page)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple:
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=gettext_lazy("current occupant"), ordering="occupant_name")
    def occupant(self, desk: Desk) -> str:
        return desk.occupant_name or ""

    @admin.display(description=gettext_lazy("assigned at"), ordering="assigned_at")
    def assigned_at(self, desk: Desk) -> Any:
        return desk.assigned_at

    def has_delete_permission(self, request: HttpRequest, obj: Desk | None = None) -> bool:
        # A desk that was ever assigned is part of residents' archives; take it out of use instead.
        if obj is not None and obj.assignments.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(DeskAssignment)
class DeskAssignmentAdmin(admin.ModelAdmin):
    list_display = ("desk", "resident", "starts_at", "ends_at", "assigned_by", "released_by", "note")
    list_filter = (("ends_at", admin.EmptyFieldListFilter), "desk__floor", "desk__zone")
    search_fields = ("desk__code", "resident__name")
    list_select_related = ("desk", "resident", "assigned_by", "released_by")
    ordering = ("-starts_at",)
    actions = ("release",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in DeskAssignment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # desks are assigned at check-in (入驻主体 → 办理入驻)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Release the selected desks"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[DeskAssignment]) -> None:
        released = 0
        for assignment in queryset.filter(ends_at__isnull=True).select_related("resident"):
            if desk_release(resident=assignment.resident, actor=request.user, note=_("released in the desk register")):
                released += 1
        self.message_user(request, _("Desks released: %(count)s.") % {"count": released}, messages.SUCCESS)
