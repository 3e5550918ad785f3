"""Quarter inputs imported by staff from an Excel sheet (all rows checked before any is written)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.excel import SheetColumn, read_rows
from opc_community.core.transitions import lock
from opc_community.portal.services import notify
from residents.models import Resident
from scoring.models import (
    AwardClaim,
    Contribution,
    InputStatus,
    Quarter,
    QuarterInput,
)
from scoring.selectors import inputs as selectors
from scoring.services.inputs import (
    NUMBER_FIELDS,
    OWN_INPUTS,
    RESULT_CLAIMS,
    _require_staff,
    _require_staff_editable,
    clean_numbers,
    clean_reason,
)

# --- Excel import (staff) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the sheet's row number (the header is row 1)
    field: str
    message: str


class ImportRefused(DomainError):
    """Some rows are wrong: nothing was imported; ``errors`` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            _("%(count)d rows have errors; nothing was imported.") % {"count": len({e.row for e in errors})},
            code="import_refused",
            details={"errors": [{"row": e.row, "field": e.field, "message": e.message} for e in errors]},
        )
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _check_rows(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> tuple[dict[int, dict[str, Any]], list[RowError]]:
    """Each row's resident number and numbers, checked without the database; every error collected."""
    errors: list[RowError] = []
    parsed: dict[int, dict[str, Any]] = {}
    seen: dict[int, int] = {}
    for number, row in rows:
        raw_id = row.get("resident_id")
        try:
            resident_id = int(str(raw_id).strip())
        except (TypeError, ValueError):
            errors.append(RowError(number, "resident_id", _("Resident number missing or not a number.")))
            continue
        if resident_id in seen:
            errors.append(RowError(number, "resident_id", _("Resident %(id)s already appears in row %(row)d.")
                                   % {"id": resident_id, "row": seen[resident_id]}))
            continue
        seen[resident_id] = number
        try:
            parsed[resident_id] = clean_numbers(row)
        except DomainError as error:
            errors.append(RowError(number, error.field or "", str(error.message)))
        parsed.setdefault(resident_id, {})["_row"] = number
    return parsed, errors


@transaction.atomic
def inputs_import(*, quarter: Quarter, rows: Iterable[tuple[int, Mapping[str, Any]]], reason: str,
                  actor: Actor) -> ImportResult:
    """Record a whole quarter's results from a sheet: every row checked first (resident in the quarter's
    cohort, numbers valid, each resident once); any error → :class:`ImportRefused` listing them all and
    nothing written. Rows whose numbers differ from what is stored become corrections with ``reason``;
    rows equal to them are verified. Set-based: a fixed number of queries whatever the number of rows."""
    _require_staff(actor)
    reason = clean_reason(reason)
    quarter = lock(quarter)
    _require_staff_editable(quarter)
    parsed, errors = _check_rows(rows)
    sheet_users = Resident.objects.filter(pk__in=list(parsed)).values_list("user_id", flat=True)
    ensure_not_own(actor, concerned_user=sheet_users, what=OWN_INPUTS)
    cohort = set(selectors.cohort(quarter).filter(pk__in=list(parsed)).values_list("pk", flat=True))
    for resident_id, values in parsed.items():
        if resident_id not in cohort:
            errors.append(RowError(values["_row"], "resident_id",
                                   _("Resident %(id)s was not checked in during %(quarter)s.")
                                   % {"id": resident_id, "quarter": quarter}))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.field)))
    existing = {data.resident_id: data for data in QuarterInput.objects.filter(quarter=quarter, resident_id__in=cohort)}
    now = timezone.now()
    new, changed, same = [], [], []
    for resident_id, values in parsed.items():
        numbers = {name: values[name] for name in NUMBER_FIELDS}
        data = existing.get(resident_id)
        if data is None:
            new.append(QuarterInput(quarter=quarter, resident_id=resident_id, status=InputStatus.CORRECTED,
                                    verified_by=actor, verified_at=now, correction_reason=reason, **numbers))
            continue
        differs = any(getattr(data, name) != value for name, value in numbers.items())
        for name, value in numbers.items():
            setattr(data, name, value)
        # The sheet's numbers are the ones staff accept: both results claims count.
        data.verified_by, data.verified_at = actor, now
        data.completion_rejected = data.revenue_rejected = False
        if differs or data.status == InputStatus.DRAFT:
            data.status, data.correction_reason = InputStatus.CORRECTED, reason
            changed.append(data)
        else:
            data.status = InputStatus.VERIFIED
            same.append(data)
    with acting_as(actor, action="scoring.inputs_import"):
        QuarterInput.objects.bulk_create(new)
        QuarterInput.objects.bulk_update(
            changed + same, [*NUMBER_FIELDS, "status", "verified_by", "verified_at", "correction_reason",
                             *RESULT_CLAIMS.values()]
        )
        touched = [data.pk for data in changed + same]
        AwardClaim.objects.filter(input_id__in=touched).update(verified=True)
        Contribution.objects.filter(input_id__in=touched).update(verified=True)
    corrected = [data.resident_id for data in new + changed]
    if corrected:
        notify(
            recipients=[r.user for r in Resident.objects.filter(pk__in=corrected).select_related("user")],
            title=lambda: _("Your inputs for %(quarter)s were corrected") % {"quarter": quarter},
            body=lambda: _("Staff corrected your quarterly inputs: %(reason)s") % {"reason": reason},
            link=reverse("scoring:input_detail", args=[quarter.pk]),
            kind="scoring.input_corrected",
        )
    return ImportResult(created=len(new), updated=len(changed), unchanged=len(same))


#: Columns of the quarter's sheet read back by the import: by header when the header row names them all
#: (the export's headers, in either language), otherwise by position (the export's layout).
SHEET_COLUMNS = (
    SheetColumn("resident_id", gettext_lazy("resident number")),
    SheetColumn("name", gettext_lazy("resident")),
    SheetColumn("milestones_done", gettext_lazy("milestones completed")),
    SheetColumn("revenue", gettext_lazy("revenue")),
)


def read_sheet(upload: Any) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded quarter's sheet (first sheet, header in row 1): (row number, values).
    Empty rows are skipped. An unreadable file is refused as a whole."""
    return read_rows(upload, SHEET_COLUMNS, field="sheet")
