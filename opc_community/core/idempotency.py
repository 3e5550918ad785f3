"""Idempotency: a POST carried out once, however often it arrives.

One mechanism (:class:`~opc_community.core.models.IdempotencyRecord`, :func:`once`), two ways in:

- **API** — a client may send an ``Idempotency-Key`` header (1–255 visible ASCII characters; a
  UUID is best) with a POST to an endpoint decorated with :func:`idempotent`. The first request
  is carried out and its answer kept; a repeat with the same key and the same body — a retry
  after a timeout, or a second request racing the first — gets the same status code and body
  (with ``Idempotent-Replayed: true``) and changes nothing. The same key with another body is
  refused (409). Without the header the endpoint works as it always did (the key is optional,
  for the clients written before it).
- **Forms** (operations desk, portal) — a :class:`SubmitOnceForm` carries a signed one-time token
  in a hidden field, made when the page is rendered, and the view hands its work to
  :func:`submit_once`. The same page sent again (a double click, the browser resending) goes
  where the first one went, saying it was already recorded (已记录). The token is required.

A key belongs to one user and one operation; it counts for ``settings.IDEMPOTENCY_KEY_TTL``
(24 hours) and a nightly job purges older records. Only answers below 400 are kept: a refused
request (a DomainError, a validation error) rolls back together with its claim on the key, so
sending the corrected request with the same key works.
"""

import hashlib
import json
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.models import IdempotencyRecord

T = TypeVar("T")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length
_VISIBLE_ASCII = frozenset(string.printable) - frozenset(string.whitespace)


@dataclass(frozen=True)
class Stored:
    """The answer the first request of a key got, given again to its repeats."""

    status_code: int
    body: Any


# --- The mechanism ---------------------------------------------------------------------------------


def fingerprint(*parts: Any) -> str:
    """SHA-256 of the request's content in a canonical form — keys sorted, a lone value the same
    as a one-item list, a record by its id, an uploaded file by its content — so the same request
    sent again matches and any change does not."""
    text = json.dumps([_canonical(part) for part in parts], sort_keys=True, ensure_ascii=False,
                      cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, MultiValueDict):  # form data, DRF's multipart ``request.data``
        return {key: _canonical(items[0] if len(items) == 1 else items) for key, items in value.lists()}
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, File):
        digest = hashlib.sha256()
        for chunk in value.chunks():  # from the start
            digest.update(chunk)
        value.seek(0)  # the service reads it next
        return {"sha256": digest.hexdigest()}
    if isinstance(value, models.Model):
        return value.pk
    return value  # str, numbers, Decimal, dates: DjangoJSONEncoder


def once(
    *,
    scope: str,
    user: Any,
    key: str,
    fingerprint: str,
    perform: Callable[[], T],
    answer: Callable[[T], tuple[int, Any]],
    reused: ConflictError,
) -> T | Stored:
    """``perform()`` once per ``(scope, user, key)``: the first call carries it out, keeps
    ``answer(result)`` (status code, body — as JSON text written by DRF's encoder, as the API renders
    it) and returns the result; a later call with the same ``fingerprint`` gets the kept
    :class:`Stored` answer and carries out nothing; with another fingerprint it raises ``reused``.

    The claim on the key and the work share one transaction: a concurrent call with the same key
    waits on the unique constraint until the first one commits (then gets its answer) or rolls
    back (then carries out the work itself). A result answered with 400 or more is not kept: it
    rolls back with its claim, like a refusal raised by ``perform``.
    """
    with transaction.atomic():
        earlier = _claim(scope=scope, user=user, key=key, fingerprint=fingerprint)
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise reused
            return Stored(earlier.status_code, json.loads(earlier.body))
        result = perform()
        status_code, body = answer(result)
        if status_code >= 400:
            transaction.set_rollback(True)
        else:
            IdempotencyRecord.objects.filter(scope=scope, user=user, key=key).update(
                status_code=status_code, body=json.dumps(body, cls=JSONEncoder, ensure_ascii=False)
            )
        return result


def _claim(*, scope: str, user: Any, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key's record (None: the work is ours to do) or return the committed record of an
    earlier request. An expired record is deleted and the key claimed afresh. A turn claims, finds
    a live record or removes an expired one; only requests that keep racing on an expired key
    exhaust the three turns, and are asked to send again."""
    for _turn in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():  # a savepoint: the transaction stays usable after a clash
                IdempotencyRecord.objects.create(
                    scope=scope, user=user, key=key, fingerprint=fingerprint, created_at=now
                )
            return None
        except IntegrityError:
            pass  # an earlier request holds the key: the insert waited for it to commit
        earlier = IdempotencyRecord.objects.filter(scope=scope, user=user, key=key).first()
        if earlier is not None and earlier.created_at > now - settings.IDEMPOTENCY_KEY_TTL:
            return earlier
        if earlier is not None:
            IdempotencyRecord.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
    raise ConflictError(_("The request collided with another one using the same key; send it again."))


def purge_expired(*, now: datetime) -> int:
    """Delete the records whose keys count no more; returns how many went. Safe to run twice."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lte=now - settings.IDEMPOTENCY_KEY_TTL
    ).delete()
    return deleted


# --- The API: the Idempotency-Key header ---------------------------------------------------------------


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=format_lazy(
        gettext_lazy(
            "Optional. A key of your choosing (1 to {length} visible ASCII characters; a UUID is best), new "
            "for each new request. Sent again with the same body within {hours} hours — a retry, or a request "
            "racing the first — the request is carried out once and every repeat gets the first answer (same "
            "status code and body, with the header Idempotent-Replayed: true). The same key with another body "
            "is refused with 409."
        ),
        length=KEY_MAX_LENGTH,
        hours=int(settings.IDEMPOTENCY_KEY_TTL.total_seconds() // 3600),
    ),
)


def idempotent(scope: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Make a DRF POST handler idempotent under the ``Idempotency-Key`` header (see the module).

    Put it outermost, above ``@extend_schema`` and ``@action``: it keeps their settings and adds the
    header to the OpenAPI description. ``scope`` names the operation (``"residents.payment_record"``).
    """

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(handler)
        def handle(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER)
            if key is None:
                return handler(view, request, *args, **kwargs)
            if not 0 < len(key) <= KEY_MAX_LENGTH or not set(key) <= _VISIBLE_ASCII:
                raise DomainError(
                    _("The Idempotency-Key header must be 1 to %(max)s visible ASCII characters, e.g. a UUID.")
                    % {"max": KEY_MAX_LENGTH},
                    field=HEADER,
                )
            result = once(
                scope=scope,
                user=request.user,
                key=key,
                fingerprint=fingerprint(request.method, request.path, request.data),
                perform=lambda: handler(view, request, *args, **kwargs),
                answer=lambda response: (response.status_code, response.data),
                reused=ConflictError(
                    _("This Idempotency-Key was already used for a different request; use a new key for a new request."),
                    field=HEADER,
                    code="idempotency_key_reused",
                ),
            )
            if isinstance(result, Stored):
                return Response(result.body, status=result.status_code, headers={REPLAYED_HEADER: "true"})
            return result

        return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(handle)

    return decorate


# --- Forms: the one-time token -------------------------------------------------------------------------


FORM_TOKEN = "form_token"
_signer = signing.TimestampSigner(salt="opc_community.core.idempotency.form_token")


def new_form_token() -> str:
    """A fresh token, signed so that only tokens this site made are accepted."""
    return _signer.sign(uuid.uuid4().hex)


def _form_key(token: Any) -> str | None:
    """The key inside a token this site signed within the TTL, else None."""
    try:
        return _signer.unsign(str(token or ""), max_age=settings.IDEMPOTENCY_KEY_TTL)
    except signing.BadSignature:  # altered, missing or expired (SignatureExpired)
        return None


class FormTokenField(forms.CharField):
    """The hidden one-time token, made when the page is rendered."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, initial=new_form_token, **kwargs)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # A page shown again after an error keeps its token (the corrected form is the same
        # submission); a missing, altered or expired one is replaced, so sending it again works.
        return data if _form_key(data) else initial


class SubmitOnceForm(forms.Form):
    """A form whose submission is recorded once (:func:`submit_once`). After validation the token is
    out of ``cleaned_data`` (the rest goes to a service as it is) and its key is ``submit_key``."""

    form_token = FormTokenField()
    submit_key: str

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        key = _form_key(cleaned_data.pop(FORM_TOKEN, None))
        if key is None:
            raise forms.ValidationError(
                _("This form had expired; check what you entered and submit it again."), code="form_token"
            )
        self.submit_key = key
        return cleaned_data


def submit_once(
    request: HttpRequest, form: SubmitOnceForm, *, scope: str, perform: Callable[[], HttpResponse]
) -> HttpResponse:
    """Carry out a valid ``form``'s work once per token. ``perform()`` calls the service, adds its
    success message and returns the redirect; a repeat of the page redirects to the same place
    saying 已记录 instead. The token reused with other values raises a ConflictError (a DomainError
    the view shows on the form, like the service's own refusals)."""
    result = once(
        scope=scope,
        user=request.user,
        key=form.submit_key,
        fingerprint=fingerprint(request.path, form.cleaned_data),
        perform=perform,
        answer=lambda response: (response.status_code, {"location": response["Location"]}),
        reused=ConflictError(
            _("This form was already submitted with other values; reload the page to submit something new."),
            code="form_token_reused",
        ),
    )
    if isinstance(result, Stored):
        messages.info(request, _("Already recorded: this form had been submitted before; nothing was recorded twice."))
        return HttpResponseRedirect(result.body["location"])
    return result
