"""Admin of the portal: a read-only log of the notifications sent (who was told what, when)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from opc_community.portal.models import Notification


class ReadStatusFilter(admin.SimpleListFilter):
    title = _("read status")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", _("Unread")), ("yes", _("Read"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Notification]
    ) -> QuerySet[Notification]:
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by ``services.notify`` only, never by hand."""

    list_display = ("title", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = (ReadStatusFilter, "kind", "created_at")
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__full_name", "recipient__username", "recipient__phone")
    date_hierarchy = "created_at"
    fields = (
        "recipient",
        "title",
        "body",
        "link",
        "kind",
        "dedupe_key",
        "created_at",
        "read_at",
        "emailed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
