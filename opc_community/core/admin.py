"""The audit trail in the operations desk (read-only, like every event table)."""

from django.contrib import admin
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin

from opc_community.accounts.models import User
from opc_community.core.models import AuditEvent

ACTIONS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}


class AuditEventAdmin(EventsAdmin):
    """Registered by pghistory.admin for settings.PGHISTORY_ADMIN_MODEL (core.AuditEvent)."""

    list_per_page = 50

    def get_list_display(self, request):  # noqa: ANN001 - signature of EventsAdmin
        return ("created_at", "action", "record", "changes", "actor", "source")

    @admin.display(description=_("when"), ordering="pgh_created_at")
    def created_at(self, event: AuditEvent):
        return event.pgh_created_at

    @admin.display(description=_("action"))
    def action(self, event: AuditEvent) -> str:
        return ACTIONS.get(event.pgh_label, event.pgh_label)

    @admin.display(description=_("record"))
    def record(self, event: AuditEvent) -> str:
        return f"{event.pgh_obj_model} #{event.pgh_obj_id}"

    @admin.display(description=_("changes (before → after)"))
    def changes(self, event: AuditEvent) -> str:
        if event.pgh_diff:
            rows = ((field, before, after) for field, (before, after) in sorted(event.pgh_diff.items()))
            return format_html_join("", "<div><code>{}</code>: {} → {}</div>", rows)
        data = sorted((event.pgh_data or {}).items())
        return format_html_join("", "<div><code>{}</code>: {}</div>", data)

    def get_queryset(self, request):  # noqa: ANN001 - signature of EventsAdmin
        # The acting user's name in the same query (the context stores only the user id).
        user_id = Cast(KeyTextTransform("user", OuterRef("pgh_context")), BigIntegerField())
        names = User.objects.filter(pk=user_id).values("full_name")[:1]
        return super().get_queryset(request).annotate(actor_name=Subquery(names))

    @admin.display(description=_("by"))
    def actor(self, event: AuditEvent) -> str:
        return event.actor_name or _("system")

    @admin.display(description=_("where"))
    def source(self, event: AuditEvent) -> str:
        context = event.pgh_context or {}
        return context.get("url") or context.get("action") or context.get("command") or ""
