"""The OpenAPI schema's corrections (drf-spectacular), so that it says what the API really answers.

``AutoSchema`` is ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``; ``document_error_responses`` is a
``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`` entry. tests/api/test_fuzz.py holds every
operation's answers to the schema.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from rest_framework import serializers

#: A time of day as DRF writes and reads it: ``09:30``, ``09:30:00``, ``09:30:00.250`` — no UTC offset,
#: so not OpenAPI's ``format: time`` (RFC 3339 full-time, which requires one).
CLOCK_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "09:30"}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema of a view, with the values the API really exchanges:

    - a read-only model field that may be blank (``blank=True``) documents ``""`` — in its enum, beside
      its e-mail or URL format (DRF drops ``allow_blank`` from read-only fields, so the generator would
      not know);
    - a time of day is :data:`CLOCK_TIME`.
    """

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        if field.read_only and getattr(field, "allow_blank", True) is False and _model_field_is_blank(field):
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema.update(CLOCK_TIME)
        return schema


def _model_field_is_blank(field: Any) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.parent, serializers.ModelSerializer) or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:  # a property or an annotation
        return False


#: The body of every refusal: DRF's ``{"detail": …}``, a DomainError's ``detail``, ``code`` and
#: ``field`` (and its details, e.g. ``errors`` or ``conflict``), or a serializer's messages by field.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was refused and why."}},
    "additionalProperties": True,
    "description": "A refusal: `detail` says what and why (in the caller's language); a service's refusal "
    "adds `code` and the `field` it concerns; invalid input lists each field's messages under the "
    "field's name.",
}

#: Refusals every operation can give; writes can also conflict with the record's state, or send a body
#: of a media type the operation does not read.
ERROR_RESPONSES = {
    "400": _("Invalid input: the message, and the messages of each invalid field."),
    "401": _("Not logged in, or the token is unknown or inactive."),
    "403": _("This user may not do this."),
    "404": _("Not found among the records this user may see."),
}
WRITE_ERROR_RESPONSES = {
    "409": _("Refused by the current state of the record (e.g. a slot taken, a step already taken)."),
    "415": _("The request body is of a media type this operation does not read."),
}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation documents its refusals (400/401/403/404,
    and 409/415 for writes) with the shared ``Error`` body, keeping what a view documented itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            refusals = ERROR_RESPONSES if method == "get" else {**ERROR_RESPONSES, **WRITE_ERROR_RESPONSES}
            for code, description in refusals.items():
                operation["responses"].setdefault(code, {"description": description}).setdefault("content", body)
    return result
