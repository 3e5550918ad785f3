"""A violation case opened from a safety incident (第七章 → 第八章第二条 kinds 6a, 6b, 6c).

The incident lives in the spaces app (a lower layer), read through its selectors; the case is opened
through the public case service (``discipline.services.cases.case_open``) with the incident's facts,
its photo attached as evidence, and the step recorded among the incident's actions. One case per
incident (``source_key``): opening again returns the same case.
"""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from discipline.models import ViolationCase
from discipline.services import cases
from opc_community.accounts.actors import Actor
from opc_community.core.errors import DomainError
from opc_community.core.moments import format_moment
from opc_community.workdays.rules import local_date
from residents.models import Resident
from spaces.selectors import safety as safety_selectors
from spaces.services import safety as safety_services

#: RULEBOOK §9: 6a 安全隐患, 6b 引发安全事故, 6c 网络违规.
INCIDENT_KINDS = ("6a", "6b", "6c")


def source_key(incident: Any) -> str:
    return f"spaces.incident:{incident.pk}"


def default_facts(incident: Any) -> str:
    return _("Safety incident %(number)s (%(category)s) at %(place)s, %(when)s: %(description)s") % {
        "number": incident.number, "category": incident.get_category_display(), "place": incident.place,
        "when": format_moment(incident.occurred_at), "description": incident.description,
    }


def case_of_incident(incident: Any) -> ViolationCase | None:
    return ViolationCase.objects.filter(source_key=source_key(incident)).first()


@transaction.atomic
def case_open_from_incident(
    *, incident_id: int, resident: Resident, kind: str, actor: Actor, facts: str = ""
) -> ViolationCase:
    """Open a 6a/6b/6c case against ``resident`` from an incident, with its photo as evidence."""
    incident = safety_selectors.incidents().filter(pk=incident_id).first()
    if incident is None:
        raise DomainError(_("No such incident."), code="not_found")
    if kind not in INCIDENT_KINDS:
        raise DomainError(
            _("A case from a safety incident is of kind 6a, 6b or 6c (Chapter 8, Article 2)."), field="kind"
        )
    existing = case_of_incident(incident)
    if existing is not None:
        return existing
    case = cases.case_open(
        resident=resident, kind=kind, occurred_on=local_date(incident.occurred_at),
        facts=(facts or "").strip() or default_facts(incident), actor=actor, source_key=source_key(incident),
    )
    if incident.photo:
        with incident.photo.open("rb") as stored:
            content = stored.read()
        extension = safety_services.PHOTO_EXTENSIONS.get(incident.photo_type, "jpg")
        cases.evidence_add(case=case, actor=actor, files=[
            SimpleUploadedFile(f"{incident.number}.{extension}", content, content_type=incident.photo_type)])
    safety_services.incident_add_action(
        incident=incident, actor=actor,
        # The reporter reads the incident's actions: the case is named, the resident it concerns is not.
        text=_("Violation case %(number)s (%(kind)s) opened.") % {"number": case.number, "kind": kind},
    )
    return case
