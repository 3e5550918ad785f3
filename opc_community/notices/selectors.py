"""Reads of the notice board, shaped so that every page costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, Func, Model, Q, QuerySet, Value
from django.db.models.functions import Length, StrIndex
from django.utils import timezone

from opc_community.accounts.models import User
from opc_community.core.desk import Tally, tally_of, tomorrow_starts
from opc_community.core.personal_data import MIN_NAME_LENGTH, name_key
from opc_community.notices import registry
from opc_community.notices.models import (
    WINDOW_END_RESOLUTION,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationStatus,
)
from opc_community.notices.rules import ServiceSection, month_starts
from opc_community.workdays.rules import local_date


def _started(now: datetime) -> QuerySet[Publication]:
    return Publication.objects.filter(window_starts_at__lte=now)


def on_board_q(now: datetime) -> Q:
    """Not yet off the board: penalty and score publications leave it at ``leaves_board_at``."""
    return Q(leaves_board_at__isnull=True) | Q(leaves_board_at__gt=now)


def public_publications(*, now: datetime, kind: str | None = None) -> QuerySet[Publication]:
    """What the public board shows (RULEBOOK §10): every publication whose window has started and that
    has not left the board (penalties and scores leave it 30 days after their window), newest first.

    Withdrawn and closed publications stay listed with their status. Nothing here joins a
    person: the board never shows who published, who is concerned or who objected.
    """
    publications = _started(now).filter(on_board_q(now))
    if kind:
        publications = publications.filter(kind=kind)
    return publications.order_by("-window_starts_at", "-id")


def started_publication(*, pk: int, now: datetime) -> Publication | None:
    """A publication whose window has started — on the board or already off it (one query)."""
    return _started(now).filter(pk=pk).first()


def publications_about(subject: Model) -> QuerySet[Publication]:
    """The publications of an owning app's object (its ``subject``), newest first (one query)."""
    return Publication.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).order_by("-window_starts_at", "-id")


def open_publications_concerning(*, user: User, now: datetime) -> QuerySet[Publication]:
    """Publications about ``user`` whose window is running: the portal's "appeal windows" card
    (UI.md; RULEBOOK §10: "the concerned resident may appeal" during the window)."""
    return Publication.objects.filter(
        concerned_user=user,
        status=PublicationStatus.OPEN,
        window_starts_at__lte=now,
        window_ends_at__gt=now - WINDOW_END_RESOLUTION,
    ).order_by("window_ends_at", "id")


def own_objection(*, publication: Publication, user: User | AnonymousUser) -> Objection | None:
    """The objection ``user`` raised against ``publication``, if any (one query)."""
    if not user.is_authenticated:
        return None
    return Objection.objects.filter(publication=publication, author=user).first()


def publication_ids_due_for_closing(*, now: datetime) -> list[int]:
    """Open publications whose window is over (its last second has passed), oldest first."""
    return list(
        Publication.objects.filter(
            status=PublicationStatus.OPEN, window_ends_at__lte=now - WINDOW_END_RESOLUTION
        )
        .order_by("window_ends_at", "id")
        .values_list("id", flat=True)
    )


def desk_publications(now: datetime | None = None) -> QuerySet[Publication]:
    """The operations desk's list: publisher and concerned person joined, pending objections counted, and
    those past their decide-by time at ``now`` (RULEBOOK §10, decisions added 2026-12)."""
    return Publication.objects.select_related("published_by", "concerned_user").annotate(
        pending_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.PENDING)),
        late_objections=Count(
            "objections",
            filter=Q(
                objections__status=ObjectionStatus.PENDING,
                objections__decide_due_at__lt=now or timezone.now(),
                status__in=(PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION),
            ),
        ),
    )


class _NameKey(Func):
    """The database's twin of :func:`opc_community.core.personal_data.name_key`: NFKC, no spaces, lower-case."""

    template = "lower(regexp_replace(normalize(%(expressions)s, NFKC), '\\s', '', 'g'))"
    output_field = CharField()


def known_names_in(text: str) -> list[str]:
    """The full names of known people that occur in ``text`` (RULEBOOK §10, decisions added 2026-12).

    Every registered name source (accounts, applications, visitors…; see
    :func:`registry.register_name_source`) is read with ONE query, whatever the number of people:
    the database compares each name's key with the text's key and returns only the names found,
    of at least ``MIN_NAME_LENGTH`` characters. ``find_personal_data`` then places them exactly.
    """
    key = name_key(text)
    if len(key) < MIN_NAME_LENGTH:
        return []
    names: set[str] = set()
    for model, field in registry.name_sources():
        names.update(
            model._default_manager.alias(name_key=_NameKey(F(field)))
            .alias(name_length=Length("name_key"), position=StrIndex(Value(key), F("name_key")))
            .filter(name_length__gte=MIN_NAME_LENGTH, position__gt=0)
            .order_by()
            .values_list(field, flat=True)
            .distinct()
        )
    return sorted(names)


def provisional_windows() -> QuerySet[Publication]:
    """Open publications whose window ends by a provisional deadline (RULEBOOK §2)."""
    return Publication.objects.filter(status=PublicationStatus.OPEN, window_provisional=True)


def late_objection_q(now: datetime) -> Q:
    """Objections still pending past their decide-by time (RULEBOOK §10, decisions added 2026-12), on a
    publication whose objections can still be decided (a withdrawn one never takes effect)."""
    return Q(
        status=ObjectionStatus.PENDING,
        decide_due_at__lt=now,
        publication__status__in=(PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION),
    )


def late_objections(*, now: datetime) -> QuerySet[Objection]:
    return Objection.objects.filter(late_objection_q(now))


def desk_objections(now: datetime) -> Tally:
    """The work desk: objections awaiting a decision, and how many are late (one query)."""
    waiting = Objection.objects.filter(
        status=ObjectionStatus.PENDING,
        publication__status__in=(PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION),
    )
    return tally_of(waiting, late_objection_q(now))


def desk_closing(now: datetime) -> Tally:
    """The work desk: open publication windows ending today; late when ended and not closed yet (one query)."""
    closing = Publication.objects.filter(status=PublicationStatus.OPEN, window_ends_at__lt=tomorrow_starts(now))
    return tally_of(closing, Q(window_ends_at__lt=now))


def provisional_objection_deadlines() -> QuerySet[Objection]:
    """Pending objections whose decide-by date is provisional (the calendar of its year is not loaded)."""
    return Objection.objects.filter(status=ObjectionStatus.PENDING, decide_due_provisional=True)


#: The service-quality page shows this many calendar months, this month last (a page choice, not a rule).
SERVICE_MONTHS = 6


@dataclass(frozen=True)
class ServiceQuality:
    months: list[date]
    sections: list[ServiceSection]


def service_quality(*, now: datetime) -> ServiceQuality:
    """Every registered app's monthly figures (服务公示, 第四章第四条 2), in page order. Each provider reads
    with a fixed number of queries, so the page does too; nothing here names a person."""
    months = month_starts(local_date(now), SERVICE_MONTHS)
    sections = [section for provider in registry.service_figure_providers() for section in provider(months, now=now)]
    return ServiceQuality(months=months, sections=sorted(sections, key=lambda section: section.order))
