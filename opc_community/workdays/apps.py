from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar (RULEBOOK §2): holidays and adjusted working days."""

    name = "opc_community.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from opc_community.workdays import cached
        from opc_community.workdays.models import CalendarYear, SpecialDay

        def calendar_changed(**_kwargs: object) -> None:
            cached.changed()

        for model in (SpecialDay, CalendarYear):
            for signal in (post_save, post_delete):
                signal.connect(calendar_changed, sender=model, weak=False, dispatch_uid=f"workdays.{model.__name__}")
