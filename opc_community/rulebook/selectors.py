"""Reads of the rulebook: ``in_force(on=date)`` is how every app gets its numbers (RULEBOOK §11)."""

from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.rules import Change, describe_changes
from opc_community.rulebook.schema import Rulebook
from opc_community.rulebook.validation import parse_body, with_later_rules

# Parsed rules per (version id, last update). Adopted bodies are immutable (database trigger)
# and versions are few, so the cache stays small and never goes stale.
_parsed: dict[tuple[int, datetime], Rulebook] = {}
# Inside :func:`versions_held`: the adopted versions read once, answering every ``in_force`` of the block.
_held: ContextVar[Callable[[date], Rulebook] | None] = ContextVar("rulebook_versions_held", default=None)


def rules_of(version: RulebookVersion) -> Rulebook:
    """The typed rules of a version (parsed once per process)."""
    key = (version.pk, version.updated_at)
    if key not in _parsed:
        _parsed[key] = parse_body(
            with_later_rules(version.body), version=version.number, effective_from=version.effective_from,
            as_stored=True)
    return _parsed[key]


def in_force(on: date | None = None) -> Rulebook:
    """The rules of the adopted version with the latest effective date on or before ``on`` (default today).

    Events are judged by the version in force on the day they happened (RULEBOOK §11).
    One query; the parsed body is cached per version.
    """
    on = on or timezone.localdate()
    if (held := _held.get()) is not None:
        return held(on)
    version = (
        RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        raise _none_in_force(on)
    return rules_of(version)


def in_force_by_day() -> Callable[[date], Rulebook]:
    """:func:`in_force` for many days at once (a batch recomputing stored deadlines, each by the
    version in force on its own event day): the adopted versions are read once (one query)."""
    versions = list(
        RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED).order_by("effective_from")
    )
    starts = [version.effective_from for version in versions]

    def on(day: date) -> Rulebook:
        index = bisect_right(starts, day)
        if index == 0:
            raise _none_in_force(day)
        return rules_of(versions[index - 1])

    return on


@contextmanager
def versions_held() -> Iterator[None]:
    """Within the block, :func:`in_force` answers from the adopted versions read once on entry (one
    query for the block instead of one per call): for one business action that asks the rulebook at
    every step (a ladder case: opened, verified, noticed, decided, published). A version adopted
    meanwhile applies from the next block. Nested blocks keep the outer one's versions."""
    if _held.get() is not None:
        yield
        return
    token = _held.set(in_force_by_day())
    try:
        yield
    finally:
        _held.reset(token)


def _none_in_force(on: date) -> DomainError:
    return DomainError(_("No rulebook version is in force on %(date)s.") % {"date": on}, code="no_rulebook")
def revision_changes(version: RulebookVersion) -> list[Change]:
    """What ``version`` changes from the version it is based on, item by item with its article (第九章第一条);
    empty for a first version. No query beyond the ``based_on`` row; parsing is cached per version."""
    if version.based_on is None:
        return []
    return describe_changes(rules_of(version.based_on), rules_of(version))
