"""Reads of a quarter: the rules it is scored with, its run's live progress, its notice-board
publication and whether it may be finalised. The services (run, sign-off, appeals) and the pages
(admin, cards, report) read these; selectors never import services.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from redis.exceptions import RedisError

from opc_community import rulebook
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import Rulebook
from opc_community.rulebook.selectors import rules_of
from scoring import quarters
from scoring.models import Quarter, QuarterStatus, ScoreAppeal, ScoreAppealStatus

logger = logging.getLogger(__name__)

#: What the cache raises when Redis is down or hung (its socket timeouts: settings ``REDIS_TIMEOUT``).
CACHE_ERRORS = (RedisError, OSError)


class ProgressUnavailable(Exception):
    """The live progress cannot be read: the cache (Redis) is down or does not answer."""


def progress_key(quarter_id: int) -> str:
    return f"scoring:run:{quarter_id}"


def run_progress(quarter_id: int) -> dict[str, object] | None:
    """The live progress of the quarter's run, None when none is recorded; raises
    :class:`ProgressUnavailable` when the cache cannot be read."""
    try:
        return cache.get(progress_key(quarter_id))
    except CACHE_ERRORS as error:
        raise ProgressUnavailable from error


def rules_for(quarter: Quarter) -> Rulebook:
    """The rules a quarter is scored with: the version recorded on it once run (a later revision
    never changes a scored quarter), else the version in force on its last day (RULEBOOK §7.2)."""
    if quarter.rulebook_version:
        return rules_of(RulebookVersion.objects.get(number=quarter.rulebook_version))
    return rulebook.in_force(on=quarters.last_day(quarter.year, quarter.number))


def publication_of(quarter: Quarter) -> Publication | None:
    """The quarter's latest notice-board publication (None before publication)."""
    return (
        Publication.objects.filter(content_type=ContentType.objects.get_for_model(Quarter), object_id=quarter.pk,
                                   kind=PublicationKind.QUARTERLY_SCORES)
        .exclude(status=PublicationStatus.WITHDRAWN)
        .order_by("-window_starts_at", "-pk")
        .first()
    )


def has_pending_appeals(quarter: Quarter) -> bool:
    return ScoreAppeal.objects.filter(card__quarter=quarter, status=ScoreAppealStatus.PENDING).exists()


def ready_to_finalise(quarter: Quarter) -> bool:
    """Published, the board's window closed (taking effect) and no appeal pending."""
    publication = publication_of(quarter)
    return (
        quarter.status == QuarterStatus.PUBLISHED and publication is not None
        and publication.status == PublicationStatus.CLOSED and not has_pending_appeals(quarter)
    )
