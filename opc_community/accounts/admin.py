from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.models import SecurityEvent, User
from opc_community.core.admin_base import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "phone", "email", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("username", "full_name", "phone", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email")}),
        (_("Roles"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "phone", "password1", "password2")}),
    )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Failed logins, lock-outs and two-factor changes (also rows of the audit trail); read-only.
    A lock-out ends by itself after 15 minutes; ``manage.py axes_reset_username <name>`` ends it early."""

    list_display = ("at", "kind", "username", "ip_address", "path")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"
