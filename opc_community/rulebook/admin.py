"""Rule revisions in the operations desk: drafts are edited here; everything else is an action."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.rules import describe_rulebook
from opc_community.rulebook.selectors import revision_changes, rules_of
from opc_community.rulebook.services import (
    rulebook_version_draft,
    rulebook_version_publish,
    rulebook_version_update,
    rulebook_version_withdraw,
)
from opc_community.rulebook.validation import parse_body


class PrettyJSONWidget(forms.Textarea):
    def format_value(self, value: Any) -> str:
        try:
            return json.dumps(json.loads(value), ensure_ascii=False, indent=2)
        except (TypeError, ValueError):
            return super().format_value(value)


class RulebookVersionForm(forms.ModelForm):
    class Meta:
        model = RulebookVersion
        fields = ("title", "summary", "effective_from", "based_on", "body", "articles")
        widgets = {"body": PrettyJSONWidget(attrs={"rows": 40, "style": "font-family: monospace; width: 100%"}),
                   "articles": PrettyJSONWidget(attrs={"rows": 10, "style": "font-family: monospace; width: 100%"})}

    def clean_articles(self) -> Any:
        from opc_community.rulebook.regulation import clean_articles

        try:
            return clean_articles(self.cleaned_data.get("articles"))
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from exc

    def clean_body(self) -> Any:
        body = self.cleaned_data["body"]
        try:
            parse_body(body)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return body


@admin.register(RulebookVersion)
class RulebookVersionAdmin(admin.ModelAdmin):
    autocomplete_fields = ("created_by", "approved_by")
    form = RulebookVersionForm
    list_display = ("number", "title", "status", "effective_from", "in_force_today", "publicised_at", "approved_by")
    list_filter = ("status",)
    list_select_related = ("approved_by",)
    search_fields = ("title", "summary")
    ordering = ("-number",)
    actions = ("approve_and_publish", "withdraw_draft")
    status_fields = ("number", "status", "created_by", "approved_by", "publicised_at", "decided_at", "changes")

    def get_fields(self, request: HttpRequest, obj: RulebookVersion | None = None) -> tuple[str, ...]:
        if obj is None:  # a new draft copies the rule data of the version it is based on
            return ("title", "summary", "effective_from", "based_on")
        # The rule data as JSON only where it is edited (a draft, by who may change it); read, it is the
        # rules in words with their articles — never their keys (UI.md).
        data = "body" if self._edits_body(request, obj) else "rules"
        return ("title", "summary", "effective_from", *self.status_fields, data, "articles")

    def get_readonly_fields(self, request: HttpRequest, obj: RulebookVersion | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        if not self._edits_body(request, obj):
            return ("title", "summary", "effective_from", *self.status_fields, "rules", "articles")
        return self.status_fields

    def _edits_body(self, request: HttpRequest, obj: RulebookVersion) -> bool:
        return obj.is_editable and self.has_change_permission(request, obj)

    @admin.display(description=_("rules"))
    def rules(self, obj: RulebookVersion) -> str:
        try:
            sentences = describe_rulebook(rules_of(obj))
        except DomainError as exc:  # a draft written before the schema last changed: say what to fix
            return str(exc.message)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((text,) for text in sentences)))

    def has_delete_permission(self, request: HttpRequest, obj: RulebookVersion | None = None) -> bool:
        return False  # versions are history; drafts are withdrawn, never deleted

    @admin.display(description=_("in force today"), boolean=True)
    def in_force_today(self, obj: RulebookVersion) -> bool:
        return obj.status == RulebookVersion.Status.ADOPTED and obj.pk == self._in_force_pk

    def get_queryset(self, request: HttpRequest) -> QuerySet[RulebookVersion]:
        current = (
            RulebookVersion.objects.filter(
                status=RulebookVersion.Status.ADOPTED, effective_from__lte=timezone.localdate()
            )
            .order_by("-effective_from")
            .values_list("pk", flat=True)
            .first()
        )
        self._in_force_pk = current
        return super().get_queryset(request)

    @admin.display(description=_("changes from the version it is based on"))
    def changes(self, obj: RulebookVersion) -> str:
        try:
            sentences = [change.sentence for change in revision_changes(obj)]
        except DomainError as exc:  # a draft written before the schema last changed: say what to fix
            return str(exc.message)
        if not sentences:
            return _("(no change in the numbers)")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((text,) for text in sentences)))

    def save_model(self, request: HttpRequest, obj: RulebookVersion, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            rulebook_version_update(
                version=obj, actor=request.user, body=data["body"], title=data["title"],
                summary=data["summary"], effective_from=data["effective_from"], articles=data.get("articles"),
            )
        else:
            created = rulebook_version_draft(
                title=data["title"], summary=data["summary"], effective_from=data["effective_from"],
                based_on=data.get("based_on"), actor=request.user,
            )
            obj.pk = created.pk
            obj.refresh_from_db()

    @admin.action(description=_("Approve and publish on the notice board (3 working days)"),
                  permissions=["approve"])
    def approve_and_publish(
        self, request: HttpRequest, queryset: QuerySet[RulebookVersion]
    ) -> TemplateResponse | None:
        """Two steps: the approver first reads what each revision changes, sentence by sentence with its
        article, then confirms (``post=yes``)."""
        versions = list(queryset.select_related("based_on").order_by("number"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(request, "rulebook/admin/approve_confirm.html", {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Approve and publish these revisions?"),
                "revisions": [(version, self.changes(version)) for version in versions],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        for version in versions:
            try:
                publication = rulebook_version_publish(version=version, actor=request.user)
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, f"v{version.number}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Version %(number)s is on the notice board until %(end)s.")
                    % {"number": version.number, "end": format_day(publication.window_ends_at)},
                    messages.SUCCESS,
                )

    @admin.action(
        description=_("Withdraw (reject a draft; the administrator also takes revisions off the notice board)"),
        permissions=["change", "approve"],
    )
    def withdraw_draft(self, request: HttpRequest, queryset: QuerySet[RulebookVersion]) -> None:
        for version in queryset:
            try:
                rulebook_version_withdraw(
                    version=version, actor=request.user, reason=_("Withdrawn by %(name)s.") % {"name": request.user}
                )
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, f"v{version.number}: {exc}", messages.ERROR)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("rulebook.approve_rulebookversion")
