"""The resource sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3, 第五章;
RULEBOOK §6): every state change.

Who does what:

- a checked-in resident posts an offer or a need with the confirmation that it holds no trade secret
  and no personal data of others (第四章第二条 3, stamped with the time), changes its text while it is
  on the board (confirming again), closes it, renews it; expresses interest in another's post (a
  short message the author reads); answers a match proposed to it (accept or decline);
- the resources team and the administrator ("managers") hide a post that breaks 第四章第二条 3 (the
  author reads the reason), match a post with a post of the other kind or with a resident who
  expressed interest, and cancel a match still waiting for answers;
- the daily job marks posts past their expiry (rule data ``sharing.post_validity_days``) expired;
- an exit closes the resident's posts and cancels its matches still waiting (exit handler).

Posting, renewing, expressing interest and accepting a match are the guarded action
``Action.POST_SHARING`` (RULEBOOK §9 decision: the *resources* and *community* suspension scopes
cover the sharing board). Closing a post and declining a match are never refused: they give up.
"""

from datetime import datetime
from typing import Any, NoReturn

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident, ResidentStatus
from resources.models import (
    MATCH_TRANSITIONS,
    POST_TRANSITIONS,
    Answer,
    MatchStatus,
    PostStatus,
    SharingCategory,
    SharingInterest,
    SharingKind,
    SharingMatch,
    SharingPost,
)
from resources.rules import sharing as rules
from resources.selectors import sharing as selectors

#: Who runs the sharing board (第二章: 资源赋能组; the administrator runs everything).
MANAGERS = (Role.RESOURCES, Role.ADMINISTRATOR)
#: Who reads every post, interest and match (oversight reads everything).
READERS = (*MANAGERS, Role.OVERSIGHT)

TITLE_MAX_LENGTH = 80
BODY_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 300
REASON_MAX_LENGTH = 600

REFUSALS = {
    rules.Refusal.NOT_AUTHOR: gettext_lazy("Only the author of a post changes, closes or renews it."),
    rules.Refusal.OWN_POST: gettext_lazy("This is your own post."),
    rules.Refusal.NOT_ON_BOARD: gettext_lazy("This post is no longer on the sharing board."),
    rules.Refusal.FINAL: gettext_lazy("This post is closed or hidden; post a new one instead."),
    rules.Refusal.TOO_MANY: gettext_lazy(
        "You already have %(max)s posts on the sharing board (the most one resident has at once): close one first."
    ),
    rules.Refusal.ALREADY_INTERESTED: gettext_lazy("You already expressed interest in this post."),
    rules.Refusal.ALREADY_ANSWERED: gettext_lazy("You already answered this match."),
    rules.Refusal.NOT_A_SIDE: gettext_lazy("Only the two residents of a match answer it."),
    rules.Refusal.MATCH_CLOSED: gettext_lazy("This match is no longer waiting for answers."),
}

CONFIRM_MESSAGE = gettext_lazy(
    "Confirm that the post contains no trade secrets and no personal data of others "
    "(Chapter 4, Article 2.3 of the community rules)."
)


def is_manager(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *MANAGERS)


def is_reader(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *READERS)


def refusal_message(refusal: rules.Refusal, **values: Any) -> str:
    return str(REFUSALS[refusal]) % values if values else str(REFUSALS[refusal])


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _ensure_manager(actor: Actor) -> None:
    if not is_manager(actor):
        _refuse(_("Only the resources team or the administrator handles the sharing board."), code="not_allowed")


def _text(value: Any, *, field: str, message: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        _refuse(message, field=field)
    if len(text) > max_length:
        _refuse(_("At most %(count)d characters.") % {"count": max_length}, field=field)
    return text


def _choice(value: Any, choices: Any, *, field: str, message: str) -> str:
    if value not in choices.values:
        _refuse(message, field=field)
    return str(value)


def _ensure_acting_for(actor: Actor, resident: Resident) -> None:
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("You can act on the sharing board only for yourself."), code="not_allowed")


def _lock_post(post: SharingPost) -> SharingPost:
    return SharingPost.objects.select_for_update(no_key=True).select_related("resident").get(pk=post.pk)


def _link(post: SharingPost) -> str:
    return reverse("resources:sharing_detail", args=[post.pk])


def _book(now: datetime) -> Any:
    return rulebook.in_force(on=timezone.localdate(now)).sharing


# --- Posts ------------------------------------------------------------------------------------------------


@transaction.atomic
def post_create(*, resident: Resident, kind: str, category: str, title: str, body: str,
                confirm_no_secrets: bool, actor: Actor) -> SharingPost:
    """A checked-in resident posts an offer or a need, confirming 第四章第二条 3; on the board for
    ``sharing.post_validity_days`` days, at most ``sharing.max_open_posts`` posts at once."""
    _ensure_acting_for(actor, resident)
    if resident.status != ResidentStatus.ACTIVE:
        _refuse(_("Only a checked-in resident posts on the sharing board."), field="resident")
    ensure_allowed(resident, Action.POST_SHARING)
    kind = _choice(kind, SharingKind, field="kind", message=_("Choose whether you offer or need something."))
    category = _choice(category, SharingCategory, field="category", message=_("Choose a category."))
    title = _text(title, field="title", message=_("Give the post a title."), max_length=TITLE_MAX_LENGTH)
    body = _text(body, field="body", message=_("Describe what you offer or need."), max_length=BODY_MAX_LENGTH)
    if confirm_no_secrets is not True:
        _refuse(CONFIRM_MESSAGE, field="confirm_no_secrets")
    # The resident's row serialises two posts sent at once (the count below stays true).
    Resident.objects.select_for_update(no_key=True).filter(pk=resident.pk).first()
    now = timezone.now()
    book = _book(now)
    refusal = rules.post_refusal(open_posts=selectors.open_post_count(resident, now=now),
                                 max_open_posts=book.max_open_posts)
    if refusal is not None:
        raise ConflictError(refusal_message(refusal, max=book.max_open_posts), field="kind")
    with acting_as(actor, action="resources.sharing_post"):
        return SharingPost.objects.create(
            resident=resident, kind=kind, category=category, title=title, body=body, created_at=now,
            updated_at=now, no_secrets_confirmed_at=now,
            expires_at=rules.expires_at(posted_on=timezone.localdate(now), validity_days=book.post_validity_days),
        )


@transaction.atomic
def post_update(*, post: SharingPost, actor: Actor, category: str, title: str, body: str,
                confirm_no_secrets: bool) -> SharingPost:
    """The author changes the text of a post on the board, confirming 第四章第二条 3 again (stamped anew).
    The kind stays: an offer that becomes a need is a new post."""
    post = _lock_post(post)
    now = timezone.now()
    refusal = rules.edit_refusal(is_author=getattr(actor, "pk", None) == post.resident.user_id,
                                 status=post.status, expiry=post.expires_at, now=now)
    if refusal is not None:
        _refuse(refusal_message(refusal), code="not_allowed" if refusal == rules.Refusal.NOT_AUTHOR else "invalid")
    category = _choice(category, SharingCategory, field="category", message=_("Choose a category."))
    title = _text(title, field="title", message=_("Give the post a title."), max_length=TITLE_MAX_LENGTH)
    body = _text(body, field="body", message=_("Describe what you offer or need."), max_length=BODY_MAX_LENGTH)
    if confirm_no_secrets is not True:
        _refuse(CONFIRM_MESSAGE, field="confirm_no_secrets")
    with acting_as(actor, action="resources.sharing_edit"):
        post.category, post.title, post.body = category, title, body
        post.updated_at = post.no_secrets_confirmed_at = now
        post.save(update_fields=["category", "title", "body", "updated_at", "no_secrets_confirmed_at"])
    return post


def _cancel_waiting_matches(post: SharingPost, *, reason: str, now: datetime) -> int:
    return SharingMatch.objects.filter(Q(post=post) | Q(other_post=post), status=MatchStatus.PROPOSED).update(
        status=MatchStatus.CANCELLED, decided_at=now, cancel_reason=reason[:300])


@transaction.atomic
def post_close(*, post: SharingPost, actor: Actor) -> SharingPost:
    """The author takes a post off the board for good; matches still waiting on it are cancelled."""
    post = _lock_post(post)
    refusal = rules.close_refusal(is_author=getattr(actor, "pk", None) == post.resident.user_id, status=post.status)
    if refusal is not None:
        _refuse(refusal_message(refusal), code="not_allowed" if refusal == rules.Refusal.NOT_AUTHOR else "invalid")
    now = timezone.now()
    with acting_as(actor, action="resources.sharing_close"):
        move(post, PostStatus.CLOSED, transitions=POST_TRANSITIONS, closed_at=now,
             close_note=str(_("Closed by the author.")))
        _cancel_waiting_matches(post, reason=str(_("The post was closed.")), now=now)
    return post


@transaction.atomic
def post_renew(*, post: SharingPost, actor: Actor) -> SharingPost:
    """The author renews an open or expired post: on the board ``post_validity_days`` days from today."""
    post = _lock_post(post)
    ensure_allowed(post.resident, Action.POST_SHARING)
    now = timezone.now()
    book = _book(now)
    refusal = rules.renew_refusal(
        is_author=getattr(actor, "pk", None) == post.resident.user_id, status=post.status,
        open_posts=selectors.open_post_count(post.resident, now=now), max_open_posts=book.max_open_posts,
        expiry=post.expires_at, now=now,
    )
    if refusal is not None:
        _refuse(refusal_message(refusal, max=book.max_open_posts),
                code="not_allowed" if refusal == rules.Refusal.NOT_AUTHOR else "invalid")
    expiry = rules.expires_at(posted_on=timezone.localdate(now), validity_days=book.post_validity_days)
    with acting_as(actor, action="resources.sharing_renew"):
        if post.status == PostStatus.EXPIRED:
            move(post, PostStatus.OPEN, transitions=POST_TRANSITIONS, expires_at=expiry, renewed_at=now,
                 updated_at=now)
        else:
            post.expires_at, post.renewed_at, post.updated_at = expiry, now, now
            post.save(update_fields=["expires_at", "renewed_at", "updated_at"])
    return post


@transaction.atomic
def post_hide(*, post: SharingPost, reason: str, actor: Actor) -> SharingPost:
    """Staff hide a post that breaks 第四章第二条 3 (a trade secret, others' personal data) or the rules:
    off the board for good, its waiting matches cancelled; the author reads the reason."""
    _ensure_manager(actor)
    reason = _text(reason, field="reason", message=_("Give the reason for hiding the post: its author reads it."),
                   max_length=REASON_MAX_LENGTH)
    post = _lock_post(post)
    now = timezone.now()
    with acting_as(actor, action="resources.sharing_hide", reason=reason):
        move(post, PostStatus.HIDDEN, transitions=POST_TRANSITIONS, hidden_at=now, hidden_by=actor,
             hidden_reason=reason)
        _cancel_waiting_matches(post, reason=str(_("The post was hidden by staff.")), now=now)
    notify(recipients=[post.resident.user],
           title=lambda: _("Your sharing post was hidden: %(title)s") % {"title": post.title},
           body=lambda: _("Reason: %(reason)s (Chapter 4, Article 2.3: no trade secrets, no personal data of "
                          "others).") % {"reason": reason},
           link=_link(post), kind="resources.sharing_hidden")
    return post


def posts_expire(*, now: datetime | None = None) -> int:
    """Daily job: open posts past their expiry become expired, and the author is told once (idempotent)."""
    now = now or timezone.now()
    done = 0
    for pk in SharingPost.objects.filter(status=PostStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            post = _lock_post(SharingPost(pk=pk))
            if post.status != PostStatus.OPEN or post.expires_at > now:
                continue
            with acting_as(None, action="resources.sharing_expire"):
                move(post, PostStatus.EXPIRED, transitions=POST_TRANSITIONS)
            with community_language():
                notify(recipients=[post.resident.user],
                       title=_("Your sharing post expired: %(title)s") % {"title": post.title},
                       body=_("It left the board on %(day)s. Renew it in the portal to show it again.")
                       % {"day": format_day(post.expires_at)},
                       link=_link(post), kind="resources.sharing_expired", dedupe_key=f"sharing-expired-{pk}-"
                       f"{post.expires_at:%Y%m%d}")
            done += 1
    return done


# --- Interest ---------------------------------------------------------------------------------------------


@transaction.atomic
def interest_express(*, post: SharingPost, resident: Resident, message: str, actor: Actor) -> SharingInterest:
    """Another checked-in resident expresses interest in a post on the board, once, with a short message
    that only the author and staff read; the author is told."""
    _ensure_acting_for(actor, resident)
    if resident.status != ResidentStatus.ACTIVE:
        _refuse(_("Only a checked-in resident expresses interest."), field="resident")
    ensure_allowed(resident, Action.POST_SHARING)
    message = _text(message, field="message", message=_("Write a short message to the author."),
                    max_length=MESSAGE_MAX_LENGTH)
    post = _lock_post(post)
    now = timezone.now()
    refusal = rules.interest_refusal(
        is_author=post.resident_id == resident.pk, status=post.status, expiry=post.expires_at, now=now,
        already=SharingInterest.objects.filter(post=post, resident=resident).exists(),
    )
    if refusal is not None:
        error = ConflictError if refusal == rules.Refusal.ALREADY_INTERESTED else DomainError
        raise error(refusal_message(refusal), field="message")
    with acting_as(actor, action="resources.sharing_interest"):
        interest = SharingInterest.objects.create(post=post, resident=resident, message=message, created_at=now)
    notify(recipients=[post.resident.user],
           title=lambda: _("Interest in your sharing post: %(title)s") % {"title": post.title},
           body=lambda: _("%(name)s: %(message)s") % {"name": resident.name, "message": message},
           link=_link(post), kind="resources.sharing_interest")
    return interest


# --- Matches ----------------------------------------------------------------------------------------------


def _tell_match(match: SharingMatch, *, title: Any, body: Any, kind: str) -> None:
    notify(recipients=[match.author.user, match.counterpart.user], title=title, body=body,
           link=reverse("resources:sharing_mine"), kind=kind)


@transaction.atomic
def match_propose(*, post: SharingPost, actor: Actor, other_post: SharingPost | None = None,
                  interest: SharingInterest | None = None, note: str = "") -> SharingMatch:
    """The resources team matches a post on the board with a post of the other kind by another resident,
    or with a resident who expressed interest in it; both sides are asked to confirm."""
    _ensure_manager(actor)
    if (other_post is None) == (interest is None):
        _refuse(_("Match the post with one post of the other kind or one resident who expressed interest."),
                field="other_post")
    post = _lock_post(post)
    now = timezone.now()
    if rules.effective_status(status=post.status, expiry=post.expires_at, now=now) != rules.OPEN:
        _refuse(refusal_message(rules.Refusal.NOT_ON_BOARD), field="post")
    if other_post is not None:
        other_post = _lock_post(other_post)
        if rules.effective_status(status=other_post.status, expiry=other_post.expires_at, now=now) != rules.OPEN:
            _refuse(_("The matched post is no longer on the sharing board."), field="other_post")
        if not rules.opposite_kinds(post.kind, other_post.kind):
            _refuse(_("An offer is matched with a need: choose a post of the other kind."), field="other_post")
        counterpart = other_post.resident
    else:
        assert interest is not None
        interest = SharingInterest.objects.select_related("resident").get(pk=interest.pk)
        if interest.post_id != post.pk:
            _refuse(_("This resident expressed interest in another post."), field="interest")
        counterpart = interest.resident
    if counterpart.pk == post.resident_id:
        _refuse(_("A match joins two different residents."), field="other_post")
    if counterpart.status != ResidentStatus.ACTIVE:
        _refuse(_("The other side is no longer a checked-in resident."), field="other_post")
    if SharingMatch.objects.filter(post=post, counterpart=counterpart,
                                   status__in=(MatchStatus.PROPOSED, MatchStatus.CONFIRMED)).exists():
        raise ConflictError(_("These two residents are already matched on this post."), field="other_post")
    with acting_as(actor, action="resources.sharing_match"):
        match = SharingMatch.objects.create(
            post=post, other_post=other_post, interest=interest, author=post.resident, counterpart=counterpart,
            note=(note or "").strip()[:300], proposed_at=now, proposed_by=actor,
        )
    _tell_match(match, title=lambda: _("A sharing match for you: %(title)s") % {"title": post.title},
                body=lambda: _("The resources team matched %(author)s and %(other)s. Confirm or decline it in the "
                               "portal; the match holds when both of you confirm.")
                % {"author": post.resident.name, "other": counterpart.name},
                kind="resources.sharing_match")
    return match


def side_of(match: SharingMatch, user: Any) -> str | None:
    """"author", "counterpart" or None: which side of the match ``user`` is."""
    pk = getattr(user, "pk", None)
    if pk is not None and pk == match.author.user_id:
        return "author"
    if pk is not None and pk == match.counterpart.user_id:
        return "counterpart"
    return None


@transaction.atomic
def match_answer(*, match: SharingMatch, accept: bool, actor: Actor) -> SharingMatch:
    """One side accepts or declines. Both accepted → confirmed (both told); one declined → declined."""
    match = SharingMatch.objects.select_for_update(no_key=True).select_related(
        "author", "counterpart", "post").get(pk=match.pk)
    side = side_of(match, actor)
    refusal = rules.answer_refusal(
        rules.MatchState(status=match.status, author_answer=match.author_answer,
                         counterpart_answer=match.counterpart_answer), side=side)
    if refusal is not None:
        code = "not_allowed" if refusal == rules.Refusal.NOT_A_SIDE else "invalid"
        if refusal == rules.Refusal.NOT_A_SIDE:
            _refuse(refusal_message(refusal), code=code)
        raise InvalidTransition(refusal_message(refusal))
    resident = match.author if side == "author" else match.counterpart
    if accept:
        ensure_allowed(resident, Action.POST_SHARING)
    now = timezone.now()
    answer = Answer.ACCEPTED if accept else Answer.DECLINED
    fields = {f"{side}_answer": answer, f"{side}_answered_at": now}
    answers = {"author_answer": match.author_answer, "counterpart_answer": match.counterpart_answer,
               f"{side}_answer": answer}
    result = rules.outcome(**answers)
    with acting_as(actor, action="resources.sharing_answer"):
        if result == rules.PROPOSED:
            SharingMatch.objects.filter(pk=match.pk).update(**fields)
            match.refresh_from_db()
        else:
            move(match, result, transitions=MATCH_TRANSITIONS, decided_at=now, **fields)
    title = match.post.title
    if result == rules.CONFIRMED:
        _tell_match(match, title=lambda: _("Sharing match confirmed: %(title)s") % {"title": title},
                    body=lambda: _("%(author)s and %(other)s both confirmed the match; contact each other to go on.")
                    % {"author": match.author.name, "other": match.counterpart.name},
                    kind="resources.sharing_confirmed")
    elif result == rules.DECLINED:
        _tell_match(match, title=lambda: _("Sharing match declined: %(title)s") % {"title": title},
                    body=lambda: _("%(name)s declined the match.") % {"name": resident.name},
                    kind="resources.sharing_declined")
    return match


@transaction.atomic
def match_cancel(*, match: SharingMatch, reason: str, actor: Actor) -> SharingMatch:
    """The resources team cancels a match still waiting for answers (a mistake, a change of plan)."""
    _ensure_manager(actor)
    reason = _text(reason, field="reason", message=_("Give the reason for cancelling the match."), max_length=300)
    match = SharingMatch.objects.select_for_update(no_key=True).select_related("author", "counterpart", "post").get(
        pk=match.pk)
    with acting_as(actor, action="resources.sharing_match_cancel", reason=reason):
        move(match, MatchStatus.CANCELLED, transitions=MATCH_TRANSITIONS, decided_at=timezone.now(),
             cancel_reason=reason)
    title = match.post.title
    _tell_match(match, title=lambda: _("Sharing match cancelled: %(title)s") % {"title": title},
                body=lambda: _("Reason: %(reason)s") % {"reason": reason}, kind="resources.sharing_cancelled")
    return match


# --- Exit (第三章第四条) ---------------------------------------------------------------------------------------


def posts_close_for_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler: the resident's posts close (off the board) and its matches still waiting are
    cancelled; confirmed matches stay in the record. Inside the exit's transaction."""
    now = timezone.now()
    with community_language():
        note = str(_("Closed at the resident's exit."))
        reason = str(_("The resident left the community."))
    closed = 0
    for pk in SharingPost.objects.filter(resident=resident, status__in=(PostStatus.OPEN, PostStatus.EXPIRED)) \
            .values_list("pk", flat=True):
        post = _lock_post(SharingPost(pk=pk))
        with acting_as(actor, action="resources.sharing_exit"):
            move(post, PostStatus.CLOSED, transitions=POST_TRANSITIONS, closed_at=now, close_note=note)
        closed += 1
    with acting_as(actor, action="resources.sharing_exit"):
        cancelled = SharingMatch.objects.filter(Q(author=resident) | Q(counterpart=resident),
                                                status=MatchStatus.PROPOSED).update(
            status=MatchStatus.CANCELLED, decided_at=now, cancel_reason=reason)
    if not (closed or cancelled):
        return ""
    with community_language():
        return _("Sharing board: %(closed)s post(s) closed, %(cancelled)s match(es) cancelled.") % {
            "closed": closed, "cancelled": cancelled}
