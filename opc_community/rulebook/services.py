"""Rule revisions (第九章第一条; RULEBOOK §11): draft → publicised 3 working days → adopted.

A revision is drafted from the version in force, edited while it is a draft,
approved (or rejected) by someone holding ``rulebook.approve_rulebookversion``
(oversight or the administrator), published on the notice board, and adopted
when the window closes without an upheld objection. It then applies to events
from its effective date on, which must come after the window.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.models import User
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.moments import format_day
from opc_community.core.transitions import lock, move
from opc_community.notices import services as notices
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.notices.selectors import publications_about
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.selectors import in_force, revision_changes
from opc_community.rulebook.validation import parse_body, with_later_rules
from opc_community.workdays import deadline
from opc_community.workdays.rules import local_date

Status = RulebookVersion.Status


def _move(version: RulebookVersion, to_status: str, **fields: Any) -> RulebookVersion:
    return move(version, to_status, transitions=RulebookVersion.TRANSITIONS, **fields)


def _require(actor: User, *permissions: str) -> None:
    """Drafting and editing are the administrator's (``add``/``change``); approving is oversight's too."""
    if not any(actor.has_perm(f"rulebook.{permission}") for permission in permissions):
        raise PermissionDenied(_("Only the administrator drafts and edits rule revisions."))


@transaction.atomic
def rulebook_version_draft(
    *, title: str, effective_from: date, actor: User, summary: str = "", based_on: RulebookVersion | None = None
) -> RulebookVersion:
    """A new draft whose rule data starts as a copy of ``based_on`` (default: the version in force today)."""
    _require(actor, "add_rulebookversion")
    if not title.strip():
        raise DomainError(_("A revision needs a title."), field="title")
    if based_on is None:
        based_on = RulebookVersion.objects.get(number=in_force().version)
    number = (RulebookVersion.objects.select_for_update(no_key=True).aggregate(n=Max("number"))["n"] or 0) + 1
    with acting_as(actor, action="rulebook.draft"):
        return RulebookVersion.objects.create(
            number=number,
            title=title.strip(),
            summary=summary,
            effective_from=effective_from,
            body=with_later_rules(based_on.body),
            based_on=based_on,
            created_by=actor,
        )


@transaction.atomic
def rulebook_version_update(
    *, version: RulebookVersion, actor: User, body: Any, title: str, summary: str, effective_from: date,
    articles: Any = None,
) -> RulebookVersion:
    """Edit a draft. The rule data must be valid (every problem is named by its path); ``articles``
    (the new text of the articles the version changes, 第九章第一条) name articles of the regulation."""
    _require(actor, "change_rulebookversion")
    version = lock(version)
    if not version.is_editable:
        raise InvalidTransition(
            _("Only a draft can be edited; version %(number)s is “%(status)s”.")
            % {"number": version.number, "status": version.get_status_display()}
        )
    parse_body(body)
    version.body, version.title, version.summary, version.effective_from = body, title, summary, effective_from
    if articles is not None:
        from opc_community.rulebook.regulation import clean_articles

        version.articles = clean_articles(articles)
    with acting_as(actor, action="rulebook.update"):
        version.save()
    return version


def _publication_text(version: RulebookVersion, changes: list[str]) -> str:
    """The board text: the version, its effective date, the summary and each change as a sentence with
    its article ("· 第六章第二条 考核淘汰 末位淘汰比例：10% → 8%")."""
    lines = [
        _("Rulebook version %(number)s: %(title)s") % {"number": version.number, "title": version.title},
        _("Effective from %(date)s (第九章第一条).") % {"date": format_day(version.effective_from)},
    ]
    if version.summary:
        lines += ["", version.summary]
    lines += ["", _("What changes (%(count)s):") % {"count": len(changes)}]
    lines += [f"· {sentence}" for sentence in changes] or [_("(no change in the numbers)")]
    return "\n".join(lines)


@transaction.atomic
def rulebook_version_publish(*, version: RulebookVersion, actor: User, now: datetime | None = None) -> Publication:
    """Approve a draft and put it on the notice board for the revision window (3 个工作日, 第九章第一条)."""
    if not actor.has_perm("rulebook.approve_rulebookversion"):
        raise PermissionDenied(_("Only oversight or the administrator may approve a rule revision."))
    version = lock(version)
    now = now or timezone.now()
    parse_body(version.body)
    window_days = in_force(local_date(now)).deadlines.revision_publication_working_days
    window_end = deadline(now, window_days)
    if version.effective_from <= window_end.date:
        raise DomainError(
            _("The effective date must come after the publication window, which ends on %(date)s.")
            % {"date": format_day(window_end.date)},
            field="effective_from",
        )
    if RulebookVersion.objects.filter(status=Status.ADOPTED, effective_from=version.effective_from).exists():
        raise DomainError(
            _("Another adopted version already takes effect on that day."), field="effective_from"
        )
    version = _move(version, Status.PUBLICISED, approved_by=actor, publicised_at=now)
    changes = [change.sentence for change in revision_changes(version)]
    return notices.publication_open(
        kind=PublicationKind.RULE_REVISION,
        title=_("Rule revision: %(title)s") % {"title": version.title},
        body=_publication_text(version, changes),
        # The title and the summary are typed by staff, and so are the names in the rule data (the
        # violation kinds'): the changes are scanned with them (RULEBOOK §10).
        staff_text={"title": version.title, "summary": version.summary, "changes": "\n".join(changes)},
        subject=version,
        window_days=window_days,
        starts_at=now,
        actor=actor,
    )


@transaction.atomic
def rulebook_version_withdraw(*, version: RulebookVersion, actor: User, reason: str = "") -> RulebookVersion:
    """Abandon or reject a draft, or take a revision off the notice board before its window ends.

    Who (RULEBOOK §1, §11): a draft is abandoned by the administrator or rejected by an approver
    (oversight's one write besides approving); a revision on the notice board is taken off only by
    the administrator — oversight's objection to it goes to the administrator, like anyone's.
    A publicised revision's publication is withdrawn with it (withdrawals never reach the
    close hook, so the version is moved here).
    """
    _require(actor, "change_rulebookversion", "approve_rulebookversion")
    version = lock(version)
    if version.status == Status.PUBLICISED:
        if not actor.has_perm("rulebook.change_rulebookversion"):
            raise PermissionDenied(
                _("Only the administrator takes a revision off the notice board; oversight approves or rejects drafts.")
            )
        if not reason.strip():
            raise DomainError(_("Give the reason for withdrawing a revision on the notice board."), field="reason")
        for publication in publications_about(version).filter(
            status__in=[PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION]
        ):
            notices.publication_withdraw(publication=publication, reason=reason, actor=actor)
    with acting_as(actor, action="rulebook.withdraw"):
        return _move(version, Status.WITHDRAWN, decided_at=timezone.now())


def revision_publication_closed(publication: Publication, *, overturned: bool) -> None:
    """Close hook: the window is over — adopt the revision, or withdraw it when an objection was upheld."""
    version = lock(publication.subject)
    target = Status.WITHDRAWN if overturned else Status.ADOPTED
    if target == Status.ADOPTED and RulebookVersion.objects.filter(
        status=Status.ADOPTED, effective_from=version.effective_from
    ).exists():
        target = Status.WITHDRAWN  # the day was taken meanwhile; the unique constraint would refuse it
    with acting_as(None, action="rulebook.publication_closed"):
        _move(version, target, decided_at=publication.closed_at or timezone.now())
