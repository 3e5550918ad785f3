"""The decision ledger finds every kind of tampering (docs/discipline.md §6): the newest entries deleted,
the whole chain re-hashed, a live penalty row edited, one entry edited; the daily job publishes the head
(checkpoint row and notice board) and tells the administrators once per break.

The tampering is done as the database owner, the only role able to: triggers switched off for the
statement (tests/faults/test_database_roles.py proves the application role can do none of it).
"""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pgtrigger
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from discipline.models import Appeal, DecisionLedgerEntry, LedgerCheckpoint, PenaltyMeasure, Reward
from discipline.rules.ledger import GENESIS, entry_hash
from discipline.services import appeals, reward_grants
from discipline.services import rewards as reward_services
from discipline.services.ledger import (
    ledger_checkpoint,
    ledger_verify,
    ledger_watch,
)
from discipline.tasks import watch_decision_ledger
from opc_community.core.personal_data import find_personal_data
from opc_community.notices.models import Publication, PublicationKind
from opc_community.notices.services import ensure_publishable, publication_close
from opc_community.portal.models import Notification
from tests.discipline.support.cases import (
    TODAY,
    at,
    close,
    confirmed_case,
    open_case,
    to_published,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(today, member_a, member_b, daily_staff, administrator):
    """Five ledger entries — a confirmed penalty (#1), a dismissed appeal (#2) and its penalty confirmed when
    the window closed (#3), a cash reward approved (#4) and granted (#5) — and the head published."""
    first = confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=3))
    case = open_case(member_b, daily_staff, kind="2b")
    publication = to_published(case, daily_staff, administrator)
    appeal = appeals.appeal_submit(case=case, resident=member_b, reason="当天不在社区。", actor=member_b.user)
    appeal = appeals.appeal_decide(appeal=appeal, upheld=False, answer="监控显示在场，维持。", actor=administrator)
    close(publication)
    reward = reward_services.reward_verify_other(resident=member_a, choice="cash", amount="200", reason="组织技术分享",
                                                 actor=administrator)
    reward_grants.reward_publish(reward=reward, actor=administrator)
    publication_close(publication=Publication.objects.get(kind=PublicationKind.REWARD_DECISION, object_id=reward.pk),
                      now=at(TODAY + timedelta(days=7)))
    reward = reward_grants.reward_grant(reward=Reward.objects.get(pk=reward.pk), actor=administrator,
                                          note="转账 2026-10-12-001")
    assert ledger_watch() == {"ok": True, "entries": 5, "checkpoint": 5}
    return first, case, appeal, reward


def _as_owner(sql: str, params: list | None = None) -> None:
    """Change ledger rows behind the guards, as only the owner can: the table's triggers off for the statement."""
    table = DecisionLedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        cursor.execute(sql, params or [])
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')


def _keys() -> set[str]:
    return {found.key for found in ledger_verify().breaks}


def test_an_honest_ledger_verifies_and_its_head_is_published(decided, administrator):
    result = ledger_verify()
    assert result.ok and (result.entries, result.checkpoints) == (5, 1)
    checkpoint = LedgerCheckpoint.objects.get()
    head = DecisionLedgerEntry.objects.get(sequence=5)
    assert (checkpoint.sequence, checkpoint.entry_hash) == (5, head.entry_hash)
    board = checkpoint.publication
    assert board.kind == PublicationKind.OTHER and head.entry_hash in board.body and "第 5 条" in board.title
    ensure_publishable({"body": board.body, "title": board.title})  # no personal data on the board
    # Nothing moved: the next runs publish nothing; a new decision is published by the next run.
    assert watch_decision_ledger() == {"ok": True, "entries": 5, "checkpoint": None}
    assert ledger_checkpoint() is None
    confirmed_case(decided[0].resident, decided[0].found_by, administrator, kind="2c")
    assert ledger_watch()["checkpoint"] == 6
    assert not Notification.objects.filter(kind="discipline.ledger_break").exists()


def test_a_published_hash_never_reads_as_personal_data():
    """64 hexadecimal characters are one group, longer than any number the scanner looks for."""
    for n in range(2000):
        digest = hashlib.sha256(str(n).encode()).hexdigest()
        assert find_personal_data(f"第 {n} 条，SHA-256 哈希值为\n{digest}\n", []) == []


def test_deleting_the_newest_entries_is_found(decided, administrator):
    _first, case, _appeal, reward = decided
    _as_owner(f'DELETE FROM "{DecisionLedgerEntry._meta.db_table}" WHERE sequence >= 4')
    keys = _keys()
    # The chain left is a valid chain; the published head and the decisions without their entry show the cut.
    assert not any(key.startswith("chain:") for key in keys)
    assert "checkpoint:5" in keys and f"missing:reward:{reward.pk}" in keys
    assert "已被删除" in next(b.message for b in ledger_verify().breaks if b.key == "checkpoint:5")


def test_deleting_entries_newer_than_the_last_checkpoint_is_found(decided, member_a, daily_staff, administrator):
    newest = confirmed_case(member_a, daily_staff, administrator, kind="2c")
    _as_owner(f'DELETE FROM "{DecisionLedgerEntry._meta.db_table}" WHERE sequence = 6')
    assert _keys() == {f"missing:penalty:{newest.pk}"}


def test_rehashing_the_whole_chain_is_found(decided):
    """The owner changes the second penalty's measure in the live row, rewrites its entry to match and
    recomputes every hash from there: a valid chain that matches the live rows — only the published
    checkpoint disagrees."""
    _first, case, _appeal, _reward = decided
    measure = case.measures.order_by("id").first()
    with pgtrigger.ignore("discipline.PenaltyMeasure:decision_frozen"):
        PenaltyMeasure.objects.filter(pk=measure.pk).update(amount=Decimal("1.00"))
    previous = GENESIS
    for entry in DecisionLedgerEntry.objects.order_by("sequence"):
        content = entry.content
        if (entry.kind, entry.object_id) == ("penalty", case.pk):
            content["measures"][0]["amount"] = "1.00"
        new_hash = entry_hash(previous_hash=previous, sequence=entry.sequence, kind=entry.kind,
                              object_id=entry.object_id, recorded_at=entry.recorded_at, content=content)
        _as_owner(f'UPDATE "{DecisionLedgerEntry._meta.db_table}" SET content = %s, previous_hash = %s, '
                  "entry_hash = %s WHERE id = %s", [json.dumps(content), previous, new_hash, entry.pk])
        previous = new_hash
    result = ledger_verify()
    assert [b.key for b in result.breaks] == ["checkpoint:5"]
    assert "改写" in result.breaks[0].message


def test_editing_a_live_penalty_row_is_found(decided):
    first, _case, _appeal, _reward = decided
    measure = first.measures.order_by("id").first()
    with pgtrigger.ignore("discipline.PenaltyMeasure:decision_frozen"):
        PenaltyMeasure.objects.filter(pk=measure.pk).update(days=30, scope="community")
    [found] = ledger_verify().breaks
    assert found.key == f"live:penalty:{first.pk}" and found.sequence == 1 and "measures" in found.message


def test_the_live_rows_of_appeals_and_rewards_are_compared_too(decided):
    """Rows the application role may update (an appeal's answer, a reward's amount): only the comparison
    with their entries shows such an edit."""
    _first, _case, appeal, reward = decided
    Appeal.objects.filter(pk=appeal.pk).update(status="upheld")
    Reward.objects.filter(pk=reward.pk).update(amount=Decimal("500.00"))
    assert _keys() == {f"live:appeal:{appeal.pk}", f"live:reward:{reward.pk}"}


def test_editing_one_entry_is_found(decided):
    first, *_ = decided
    entry = DecisionLedgerEntry.objects.get(sequence=1)
    _as_owner(f'UPDATE "{DecisionLedgerEntry._meta.db_table}" SET content = %s WHERE id = %s',
              [json.dumps({**entry.content, "kind": "2c"}), entry.pk])
    result = ledger_verify()
    assert {b.key for b in result.breaks} == {"chain:1", f"live:penalty:{first.pk}"}
    assert result.first_broken_sequence == 1


def test_the_daily_job_tells_the_administrators_once_per_break_and_publishes_no_broken_head(
    decided, member_a, daily_staff, administrator
):
    first, *_ = decided
    entry = DecisionLedgerEntry.objects.get(sequence=1)
    _as_owner(f'UPDATE "{DecisionLedgerEntry._meta.db_table}" SET content = %s WHERE id = %s',
              [json.dumps({**entry.content, "kind": "2c"}), entry.pk])
    confirmed_case(member_a, daily_staff, administrator, kind="2c")  # the head moves: still not published
    assert watch_decision_ledger() == {"ok": False, "breaks": 2, "alerted": 2}
    assert watch_decision_ledger() == {"ok": False, "breaks": 2, "alerted": 0}  # the same breaks: nobody told again
    alerts = Notification.objects.filter(kind="discipline.ledger_break", recipient=administrator)
    assert alerts.count() == 2 and all("决定存证" in alert.body for alert in alerts.all())
    assert LedgerCheckpoint.objects.count() == 1
    # A new break is told.
    _as_owner(f'DELETE FROM "{DecisionLedgerEntry._meta.db_table}" WHERE sequence = 6')
    assert watch_decision_ledger()["alerted"] == 1
    assert alerts.count() == 3


def test_the_command_prints_ok_or_every_break(decided, capsys):
    first, *_ = decided
    call_command("verify_ledger")
    assert capsys.readouterr().out.startswith("OK 5")
    with pgtrigger.ignore("discipline.PenaltyMeasure:decision_frozen"):
        first.measures.update(days=99)
    with pytest.raises(CommandError) as broken:
        call_command("verify_ledger")
    assert broken.value.returncode == 1 and "#1" in str(broken.value)
    assert f"BROKEN live:penalty:{first.pk}" in capsys.readouterr().err


def test_the_checkpoint_table_is_append_only(decided):
    checkpoint = LedgerCheckpoint.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(entry_hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.filter(pk=checkpoint.pk).delete()


def test_the_admin_page_names_each_break_and_lists_the_checkpoints(decided, client_for, administrator):
    first, *_ = decided
    with pgtrigger.ignore("discipline.PenaltyMeasure:decision_frozen"):
        first.measures.update(days=99)
    client = client_for(administrator)
    page = client.post(reverse("admin:discipline_ledger_verify"), follow=True).content.decode()
    assert first.number in page and "measures" in page
    checkpoint = LedgerCheckpoint.objects.get()
    listing = client.get(reverse("admin:discipline_ledgercheckpoint_changelist")).content.decode()
    assert checkpoint.entry_hash[:16] in listing and checkpoint.publication.title in listing
