"""The tamper-evident decision ledger: every confirmed penalty, appeal answer and reward decision.

Each row's ``entry_hash`` is ``sha256(previous_hash + canonical(envelope))`` where the envelope is the
row's sequence, kind, decision id, recorded time and the decision's content, serialised canonically
(sorted keys, no insignificant whitespace, ``ensure_ascii=False``, Decimal and dates as strings). The
first row's previous hash is 64 zeros. So editing any row — or removing one, which leaves a gap in the
sequence — breaks the chain at that row.

A chain alone cannot show two things: its newest entries cut off, and the whole chain re-hashed after
an edit. So the head (sequence and hash) is **published** — a ``LedgerCheckpoint`` row that the
application role may only insert (triggers and grants refuse UPDATE and DELETE) and a notice on the
public board, which readers keep — and every **live decision** is compared with its entry: an edited
penalty measure, or a confirmed case whose entry was removed, no longer matches. :func:`ledger_verify`
does all three; :func:`ledger_watch` is the daily job: verify, alert the administrators once per break,
and publish the new head when the chain holds.

Rows are also append-only in the database (triggers refuse UPDATE and DELETE, and the application role
holds only INSERT and SELECT); the chain and the checkpoints are what still show tampering by someone
with the owner's rights.

Appends are serialised by a transaction-scoped advisory lock, so the sequence is gapless and two
decisions appended at once never share a previous hash. The append happens inside the decision's
transaction: a decision that rolls back leaves no row (and, since the lock is held to commit, no gap).

When: a penalty on confirmation (``cases.case_confirm``), an appeal when answered
(``appeals.appeal_decide``), a reward when decided (the rewards service calls :func:`ledger_append`).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import (
    Appeal,
    AppealStatus,
    DecisionLedgerEntry,
    LedgerCheckpoint,
    LedgerKind,
    PenaltyMeasure,
    Reward,
    RewardStatus,
    ViolationCase,
)
from discipline.rules.ledger import GENESIS, canonical, entry_hash, normalise
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_moment
from opc_community.notices.models import PublicationKind
from opc_community.portal.services import notify

_LOCK_KEY = "discipline.decision_ledger"
logger = logging.getLogger(__name__)

__all__ = ["GENESIS", "Break", "VerifyResult", "appeal_content", "canonical", "entry_hash", "ledger_append",
           "ledger_checkpoint", "ledger_verify", "ledger_watch", "normalise", "penalty_content", "reward_content"]


def _lock_chain() -> None:
    """Serialise appends and checkpoints (held to the end of the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_LOCK_KEY])


@transaction.atomic
def ledger_append(*, kind: str, object_id: int, content: dict[str, Any]) -> DecisionLedgerEntry:
    """Append one decision to the chain (inside the caller's transaction) and return the row."""
    if kind not in LedgerKind.values:
        raise ValueError(f"unknown ledger kind {kind!r}")
    content = normalise(content)
    _lock_chain()
    last = DecisionLedgerEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()
    sequence = (last["sequence"] + 1) if last else 1
    previous = last["entry_hash"] if last else GENESIS
    # Microseconds kept: PostgreSQL stores them, so the hash is recomputed from the same instant.
    recorded_at = timezone.now()
    return DecisionLedgerEntry.objects.create(
        sequence=sequence,
        kind=kind,
        object_id=object_id,
        content=content,
        previous_hash=previous,
        entry_hash=entry_hash(previous_hash=previous, sequence=sequence, kind=kind, object_id=object_id,
                              recorded_at=recorded_at, content=content),
        recorded_at=recorded_at,
    )


# --- What an entry says of each kind of decision ------------------------------------------------------
# One function per kind, used both to append and to compare the live rows with their entry.


def penalty_content(case: ViolationCase, measures: Iterable[PenaltyMeasure]) -> dict[str, Any]:
    """What the decision ledger keeps of a confirmed penalty (the decision, not personal data)."""
    return {
        "case": case.number,
        "resident_id": case.resident_id,
        "kind": case.kind,
        "occurred_on": case.occurred_on.isoformat(),
        "flags": sorted(case.flags or ()),
        "measure": case.measure,
        "same_kind_count": case.same_kind_count,
        "rulebook_version": case.rulebook_version,
        "decided_by": case.decided_by_id,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "confirmed_at": case.confirmed_at.isoformat() if case.confirmed_at else None,
        "measures": [
            {"type": m.type, "amount": m.amount, "scope": m.scope or None, "days": m.days,
             "until_paid": m.until_paid, "ban_years": m.ban_years}
            for m in sorted(measures, key=lambda m: m.pk)
        ],
    }


def appeal_content(appeal: Appeal) -> dict[str, Any]:
    """What the ledger keeps of an answered appeal (复核); ``appeal.case`` is read."""
    return {
        "case": appeal.case.number,
        "resident_id": appeal.case.resident_id,
        "outcome": appeal.status,
        "submitted_at": appeal.submitted_at.isoformat(),
        "answer_due_at": appeal.answer_due_at.isoformat(),
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "decided_by": appeal.decided_by_id,
        "on_time": appeal.decided_at is not None and appeal.decided_at <= appeal.answer_due_at,
    }


def reward_content(reward: Reward, event: str, **extra: Any) -> dict[str, Any]:
    """What the ledger keeps of a reward decision (``event``: approved, annulled, granted)."""
    return {
        "event": event,
        "reward": reward.pk,
        "resident": reward.resident_id,
        "kind": reward.kind,
        "year": reward.year,
        "level": reward.level,
        "choice": reward.choice,
        "amount": None if reward.amount is None else str(reward.amount),
        "status": reward.status,
        "rulebook_version": reward.rulebook_version,
        "at": timezone.now().isoformat(),
        **extra,
    }


#: Reward facts an entry still vouches for while the reward lives on. The resident may choose (and
#: so change the amount) until the grant, so the approval vouches for neither; the grant and an
#: annulment are final.
_REWARD_KEPT = ("reward", "resident", "kind", "year", "level", "rulebook_version", "status")
_REWARD_FINAL = ("choice", "amount")
_REWARD_EXTRA = {"approved": {"grant_due_at": "grant_due_at"}, "granted": {"note": "grant_note"},
                 "annulled": {"reason": "annul_reason"}}


def _instant(value: Any) -> Any:
    """A moment as one comparable text (UTC), whether written in local time or read back from the database."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def _reward_expected(reward: Reward, content: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the entry says, what the live reward says) for the facts the entry still vouches for."""
    event = content.get("event", "")
    live = normalise({key: value for key, value in reward_content(reward, event).items()
                      if key in _REWARD_KEPT or (event in ("granted", "annulled") and key in _REWARD_FINAL)})
    expected = {key: content.get(key) for key in live}
    for key, attribute in _REWARD_EXTRA.get(event, {}).items():
        live[key] = _instant(getattr(reward, attribute))
        expected[key] = _instant(content.get(key))
    return expected, live


# --- Verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """One thing the verification found wrong. ``key`` names it stably (the administrators are alerted
    once per key); ``sequence`` is the ledger entry concerned, if any."""

    key: str
    message: str
    sequence: int | None = None


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    checkpoints: int = 0
    breaks: tuple[Break, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.breaks

    def __bool__(self) -> bool:
        return self.ok

    @property
    def first_broken_sequence(self) -> int | None:
        sequences = [b.sequence for b in self.breaks if b.sequence is not None]
        return min(sequences) if sequences else None

    @property
    def reason(self) -> str:
        if self.breaks:
            return self.breaks[0].message
        return _("The chain of %(count)d entries is intact, matches its %(checkpoints)d published checkpoints "
                 "and every live decision.") % {"count": self.entries, "checkpoints": self.checkpoints}


@dataclass
class _Walk:
    """What one pass over the entries learns: the first broken link, the stored hashes at the checkpoints'
    sequences and, per decision (kind, id), its latest entry (sequence, content)."""

    entries: int = 0
    broken: Break | None = None
    hashes: dict[int, str] = field(default_factory=dict)
    latest: dict[tuple[str, int], tuple[int, dict[str, Any]]] = field(default_factory=dict)


def _walk(checkpoint_sequences: set[int]) -> _Walk:
    """Walk the chain in sequence order (streamed); links are checked up to the first broken one."""
    walk = _Walk()
    expected_sequence, previous = 1, GENESIS
    rows = DecisionLedgerEntry.objects.order_by("sequence").values_list(
        "sequence", "kind", "object_id", "content", "previous_hash", "entry_hash", "recorded_at"
    )
    for sequence, kind, object_id, content, previous_hash, stored_hash, recorded_at in rows.iterator(chunk_size=2000):
        walk.entries += 1
        if sequence in checkpoint_sequences:
            walk.hashes[sequence] = stored_hash
        walk.latest[(kind, object_id)] = (sequence, content)
        if walk.broken is not None:
            continue
        if sequence != expected_sequence:
            walk.broken = Break(f"chain:{expected_sequence}", _(
                "Entry #%(sequence)d is missing (the sequence jumps to #%(found)d).")
                % {"sequence": expected_sequence, "found": sequence}, expected_sequence)
        elif previous_hash != previous:
            walk.broken = Break(f"chain:{sequence}", _(
                "Entry #%(sequence)d does not point at the hash of the entry before it.") % {"sequence": sequence},
                sequence)
        elif entry_hash(previous_hash=previous_hash, sequence=sequence, kind=kind, object_id=object_id,
                        recorded_at=recorded_at, content=content) != stored_hash:
            walk.broken = Break(f"chain:{sequence}", _(
                "Entry #%(sequence)d was changed: its content does not match its hash.") % {"sequence": sequence},
                sequence)
        previous = stored_hash
        expected_sequence += 1
    return walk


def _checkpoint_breaks(checkpoints: list[LedgerCheckpoint], walk: _Walk) -> list[Break]:
    """Each published head must still be in the chain with the same hash, and on the notice board."""
    breaks = []
    for checkpoint in checkpoints:
        values = {"sequence": checkpoint.sequence, "when": format_moment(checkpoint.recorded_at)}
        stored = walk.hashes.get(checkpoint.sequence)
        if stored is None:
            breaks.append(Break(f"checkpoint:{checkpoint.sequence}", _(
                "Entry #%(sequence)d, published on %(when)s, is gone: the newest entries of the ledger were "
                "removed.") % values, checkpoint.sequence))
        elif stored != checkpoint.entry_hash:
            breaks.append(Break(f"checkpoint:{checkpoint.sequence}", _(
                "Entry #%(sequence)d no longer has the hash published on %(when)s: the chain was rewritten.")
                % values, checkpoint.sequence))
        if checkpoint.entry_hash not in checkpoint.publication.body:
            breaks.append(Break(f"board:{checkpoint.sequence}", _(
                "The notice-board publication of checkpoint #%(sequence)d (%(when)s) no longer shows its hash.")
                % values, checkpoint.sequence))
    return breaks


def _decision_break(kind: str, object_id: int, label: str, sequence: int | None, expected: dict[str, Any],
                    live: dict[str, Any] | None) -> Break | None:
    """A decision whose live rows no longer say what its entry says (or that is gone)."""
    if live is None:
        return Break(f"live:{kind}:{object_id}", _(
            "Entry #%(sequence)d records a decision (%(what)s) that no longer exists.")
            % {"sequence": sequence, "what": label}, sequence)
    changed = sorted(key for key in expected.keys() | live.keys() if expected.get(key) != live.get(key))
    if not changed:
        return None
    return Break(f"live:{kind}:{object_id}", _(
        "%(what)s no longer matches entry #%(sequence)d (changed: %(fields)s).")
        % {"what": label, "sequence": sequence, "fields": ", ".join(changed)}, sequence)


def _missing(kind: str, object_id: int, label: str) -> Break:
    return Break(f"missing:{kind}:{object_id}", _(
        "%(what)s was decided but has no entry in the ledger: entries were removed.") % {"what": label})


def _live_breaks(latest: dict[tuple[str, int], tuple[int, dict[str, Any]]]) -> list[Break]:
    """Every confirmed penalty, answered appeal and decided reward against its latest entry (fixed queries)."""
    def entered(kind: str) -> dict[int, tuple[int, dict[str, Any]]]:
        return {object_id: entry for (k, object_id), entry in latest.items() if k == kind}

    breaks: list[Break] = []
    penalties, appeals, rewards = entered(LedgerKind.PENALTY), entered(LedgerKind.APPEAL), entered(LedgerKind.REWARD)

    cases = ViolationCase.objects.filter(Q(confirmed_at__isnull=False) | Q(pk__in=penalties)).prefetch_related(
        Prefetch("measures", queryset=PenaltyMeasure.objects.order_by("id")))
    live_cases = {case.pk: case for case in cases}
    for case in live_cases.values():
        if case.pk not in penalties and case.confirmed_at is not None:
            breaks.append(_missing(LedgerKind.PENALTY, case.pk, _("Case %(number)s") % {"number": case.number}))
    for case_id, (sequence, content) in penalties.items():
        case = live_cases.get(case_id)
        live = normalise(penalty_content(case, case.measures.all())) if case else None
        label = _("Case %(number)s") % {"number": case.number if case else content.get("case", case_id)}
        breaks.append(_decision_break(LedgerKind.PENALTY, case_id, label, sequence, content, live))

    answered = Appeal.objects.filter(~Q(status=AppealStatus.PENDING) | Q(pk__in=appeals)).select_related("case")
    live_appeals = {appeal.pk: appeal for appeal in answered}
    for appeal in live_appeals.values():
        if appeal.pk not in appeals and appeal.status != AppealStatus.PENDING:
            breaks.append(_missing(LedgerKind.APPEAL, appeal.pk,
                                   _("The appeal against case %(number)s") % {"number": appeal.case.number}))
    for appeal_id, (sequence, content) in appeals.items():
        appeal = live_appeals.get(appeal_id)
        live = normalise(appeal_content(appeal)) if appeal else None
        label = _("The appeal against case %(number)s") % {"number": content.get("case", appeal_id)}
        breaks.append(_decision_break(LedgerKind.APPEAL, appeal_id, label, sequence, content, live))

    decided = Reward.objects.filter(Q(status__in=(RewardStatus.APPROVED, RewardStatus.GRANTED)) | Q(pk__in=rewards))
    live_rewards = {reward.pk: reward for reward in decided}
    for reward in live_rewards.values():
        if reward.pk not in rewards:
            breaks.append(_missing(LedgerKind.REWARD, reward.pk, _("Reward %(id)d") % {"id": reward.pk}))
    for reward_id, (sequence, content) in rewards.items():
        reward = live_rewards.get(reward_id)
        expected, live = _reward_expected(reward, content) if reward else (content, None)
        breaks.append(_decision_break(LedgerKind.REWARD, reward_id, _("Reward %(id)d") % {"id": reward_id},
                                      sequence, expected, live))
    return [found for found in breaks if found is not None]


def ledger_verify() -> VerifyResult:
    """Verify the whole ledger: the chain's links (up to the first broken one), every published checkpoint,
    and every live decision against its latest entry. Read-only; a fixed number of queries."""
    checkpoints = list(LedgerCheckpoint.objects.select_related("publication").order_by("sequence"))
    walk = _walk({checkpoint.sequence for checkpoint in checkpoints})
    breaks = ([walk.broken] if walk.broken else []) + _checkpoint_breaks(checkpoints, walk) + _live_breaks(walk.latest)
    return VerifyResult(entries=walk.entries, checkpoints=len(checkpoints), breaks=tuple(breaks))


# --- Publishing the head and the daily watch ------------------------------------------------------------


@transaction.atomic
def ledger_checkpoint() -> LedgerCheckpoint | None:
    """Publish the chain's head: a checkpoint row and a notice on the public board (no personal data: a
    sequence number and a hash, scanned like any published text). None when the ledger is empty or its
    head is already published. Call it only on a chain that verified."""
    from discipline.services.cases import system_publisher
    from opc_community.notices.services import publication_open

    _lock_chain()
    head = DecisionLedgerEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()
    if head is None or LedgerCheckpoint.objects.filter(sequence__gte=head["sequence"]).exists():
        return None
    now = timezone.now()
    values = {"sequence": head["sequence"], "hash": head["entry_hash"], "when": format_moment(now)}
    body = _(
        "On %(when)s the decision ledger ends at entry #%(sequence)d, whose SHA-256 hash is\n%(hash)s\n\n"
        "Every confirmed penalty, appeal answer and reward decision is an entry of this hash chain. Keep this "
        "value: should the ledger ever show another hash at entry #%(sequence)d, or no such entry, it was altered."
    ) % values
    publication = publication_open(
        kind=PublicationKind.OTHER,
        title=_("Decision ledger checkpoint: entry #%(sequence)d") % values,
        body=body,
        staff_text={"body": body},  # composed from numbers only; scanned all the same (RULEBOOK §10)
        actor=system_publisher(),
    )
    return LedgerCheckpoint.objects.create(
        sequence=head["sequence"], entry_hash=head["entry_hash"], recorded_at=now, publication=publication
    )


def ledger_watch() -> dict[str, Any]:
    """The daily job: verify; on a break, tell the administrators (once per break, whatever the number of
    runs that still find it); on an intact chain, publish its head if it moved."""
    result = ledger_verify()
    if result.ok:
        checkpoint = ledger_checkpoint()
        return {"ok": True, "entries": result.entries, "checkpoint": checkpoint.sequence if checkpoint else None}
    logger.error("Decision ledger verification failed: %s", "; ".join(b.message for b in result.breaks))
    administrators = list(members_of(Role.ADMINISTRATOR))
    alerted = 0
    with transaction.atomic():
        for found in result.breaks:
            with community_language():
                alerted += bool(notify(
                    recipients=administrators,
                    title=_("Decision ledger: tampering found"),
                    body=_("%(message)s Check the ledger on the operations desk (决定存证 → 校验链条) and restore the "
                           "database from a backup taken before the change (docs/operations.md, \"Restore\").")
                    % {"message": found.message},
                    link=reverse("admin:discipline_decisionledgerentry_changelist"),
                    kind="discipline.ledger_break",
                    dedupe_key=f"discipline:ledger:{found.key}",
                ))
    return {"ok": False, "breaks": len(result.breaks), "alerted": alerted}
