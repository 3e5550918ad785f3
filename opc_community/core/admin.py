"""The audit trail in the operations desk (read-only, like every event table).

审计记录 first offers the audited models to choose from; a model's page lists its history newest
first, a page of 50 at a time, and a record number narrows it to one object's history
(``opc_community.core.audit_trail``). The "Events"/"历史事件" button of every change form and list
(django-pghistory's ``?obj=app.Model:pk`` and ``?model=app.Model`` links) lands on these pages.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from pghistory.admin import EventsAdmin

from opc_community.core import audit_trail


def _positive_int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


class AuditEventAdmin(EventsAdmin):
    """Registered by pghistory.admin for settings.PGHISTORY_ADMIN_MODEL (core.AuditEvent); it must be an
    ``EventsAdmin`` (which also refuses adding, changing and deleting), but none of its union queries runs.

    Who may read it: whoever holds ``core.view_auditevent`` (accounts.roles: oversight, the intake
    team — the trail of the archives they keep — and the administrator).
    """

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name=f"{info[0]}_{info[1]}_changelist",
            )
        ]

    def _target(self, request: HttpRequest) -> tuple[Any, Any]:
        """The model and (optionally) the object asked for: ``model`` and ``object``, or pghistory's
        ``obj=app.Model:pk`` of the change forms' links. A name or number that is no record is a 404."""
        label, raw_id = request.GET.get("model"), request.GET.get("object", "").strip()
        if "obj" in request.GET:
            label, _sep, raw_id = request.GET["obj"].partition(":")
        model = audit_trail.tracked_model(label)
        if label and model is None:
            raise Http404
        if model is None or not raw_id:
            return model, None
        try:
            return model, model._meta.pk.to_python(raw_id)
        except ValidationError:
            raise Http404 from None

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        model, object_id = self._target(request)
        back = request.GET.get("back", "")
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.opts.verbose_name_plural,
            "object_id": object_id,
            "back": back
            if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
            else "",
        }
        if model is None:
            context["models"] = audit_trail.audited_models()
        else:
            context["model_opts"] = model._meta
            if object_id is not None:
                # One query: the object as it is now (gone when it was deleted).
                context["record"] = model._default_manager.filter(pk=object_id).first()
                context["subtitle"] = _("History of %(model)s #%(id)s") % {
                    "model": model._meta.verbose_name,
                    "id": object_id,
                }
            else:
                context["subtitle"] = _("History of %(models)s") % {
                    "models": model._meta.verbose_name_plural
                }
            context["page"] = audit_trail.history(
                model, object_id=object_id, before=_positive_int(request.GET.get("before"))
            )
        return TemplateResponse(
            request, "admin/core/audit_trail.html", {**context, **(extra_context or {})}
        )
