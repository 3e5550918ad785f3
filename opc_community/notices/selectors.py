"""Reads of the notice board, shaped so that every page costs a fixed number of queries."""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet

from opc_community.accounts.models import User
from opc_community.notices.models import (
    WINDOW_END_RESOLUTION,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationStatus,
)


def public_publications(*, now: datetime, kind: str | None = None) -> QuerySet[Publication]:
    """What the public board shows (RULEBOOK §10): every publication whose window has started, newest first.

    Withdrawn and closed publications stay listed with their status. Nothing here joins a
    person: the board never shows who published, who is concerned or who objected.
    """
    publications = Publication.objects.filter(window_starts_at__lte=now)
    if kind:
        publications = publications.filter(kind=kind)
    return publications.order_by("-window_starts_at", "-id")


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


def desk_publications() -> QuerySet[Publication]:
    """The operations desk's list: publisher and concerned person joined, pending objections counted."""
    return Publication.objects.select_related("published_by", "concerned_user").annotate(
        pending_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.PENDING))
    )
