"""Admin of the portal: a read-only log of the notifications sent (who was told what, when) and
where each e-mail stands in the outbox; the administrator may send failed e-mails again."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.portal.models import Notification
from opc_community.portal.services import notification_emails_retry


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
    """Read-only: notifications are written by ``services.notify`` only, never by hand. Who: the
    staff who may view notifications; 「重新发送邮件」 is the administrator's only."""

    autocomplete_fields = ("recipient",)
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "email_state", "emailed_at")
    list_filter = (ReadStatusFilter, "email_state", "kind", "created_at")
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
        "email_state",
        "email_attempts",
        "email_next_attempt_at",
        "email_error",
        "emailed_at",
    )
    actions = ("send_again",)

    @admin.action(description=_("Send the failed e-mails again"), permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        queued = notification_emails_retry(notifications=queryset, actor=request.user)
        self.message_user(
            request, gettext("%(count)d e-mail(s) queued to be sent again (only failed ones).") % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
