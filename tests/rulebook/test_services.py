"""Rule revisions: draft → publicised (3 working days) → adopted or withdrawn (第九章第一条)."""

import copy
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction

from opc_community import rulebook
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.notices import services as notices
from opc_community.notices.models import PublicationKind, PublicationStatus
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.services import (
    rulebook_version_draft,
    rulebook_version_publish,
    rulebook_version_update,
    rulebook_version_withdraw,
)

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
Status = RulebookVersion.Status
# Mon 2026-11-30: the window ends Thu 2026-12-03 23:59:59.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SH)


@pytest.fixture
def draft(administrator):
    version = rulebook_version_draft(
        title="2027 年修订：宽限期 10 天", effective_from=date(2027, 1, 1), actor=administrator
    )
    body = {**version.body, "term": {**version.body["term"], "grace_days": 10}}
    return rulebook_version_update(
        version=version, actor=administrator, body=body, title=version.title,
        summary="延长缓冲期", effective_from=version.effective_from,
    )


def test_a_draft_copies_the_version_in_force(administrator):
    version = rulebook_version_draft(title="修订", effective_from=date(2027, 1, 1), actor=administrator)
    assert (version.number, version.status, version.based_on.number) == (2, Status.DRAFT, 1)
    assert version.body == RulebookVersion.objects.get(number=1).body


def test_an_invalid_draft_edit_is_refused_and_nothing_changes(draft, administrator):
    with pytest.raises(DomainError) as refused:
        rulebook_version_update(
            version=draft, actor=administrator, body={"term": {}}, title="x", summary="", effective_from=date(2027, 1, 1)
        )
    assert refused.value.field == "body"
    draft.refresh_from_db()
    assert draft.body["term"]["grace_days"] == 10 and draft.title.startswith("2027")


def test_publishing_puts_the_revision_on_the_board_with_its_changes(draft, oversight):
    publication = rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLICISED and draft.approved_by == oversight
    assert publication.kind == PublicationKind.RULE_REVISION
    assert publication.subject == draft
    assert publication.window_ends_at == datetime(2026, 12, 3, 23, 59, 59, tzinfo=SH)
    # each change as a sentence with its article, not a JSON path (第九章第一条)
    assert "· 第三章第三条 入驻期限、续约与退出 到期退出缓冲期：7 天 → 10 天" in publication.body
    assert "修订内容（共 1 项）" in publication.body and "grace_days" not in publication.body


def test_names_typed_into_the_rule_data_are_scanned_before_publication(draft, oversight, administrator, daily_staff):
    # RULEBOOK §10: a violation kind's name is typed by staff and published with the changes
    body = copy.deepcopy(draft.body)
    body["violations"]["kinds"]["2b"]["name"] = "污染环境（钱日常举报）"
    draft = rulebook_version_update(version=draft, actor=administrator, body=body, title=draft.title,
                                    summary=draft.summary, effective_from=draft.effective_from)
    with pytest.raises(DomainError) as refused:
        rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    assert refused.value.field == "changes" and "姓名「钱日常」" in refused.value.message


def test_a_revision_note_naming_a_person_is_refused_until_rewritten(draft, oversight, administrator, daily_staff):
    # RULEBOOK §10 (decisions added 2026-12): the title and summary are typed by staff and published.
    draft = rulebook_version_update(
        version=draft, actor=administrator, body=draft.body, title=draft.title,
        summary="应钱日常（13800138000）建议延长缓冲期", effective_from=draft.effective_from,
    )
    with pytest.raises(DomainError) as refused:
        rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    assert refused.value.field == "summary"
    assert "姓名「钱日常」、手机号「13800138000」" in refused.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT  # still a draft: rewrite the summary and publish again

    draft = rulebook_version_update(
        version=draft, actor=administrator, body=draft.body, title=draft.title,
        summary="应日常管理组建议延长缓冲期", effective_from=draft.effective_from,
    )
    assert rulebook_version_publish(version=draft, actor=oversight, now=MONDAY).leaves_board_at is None


def test_only_approvers_may_publish(draft, intake_staff):
    with pytest.raises(PermissionDenied):
        rulebook_version_publish(version=draft, actor=intake_staff, now=MONDAY)


def test_the_effective_date_must_come_after_the_window(administrator, oversight):
    early = rulebook_version_draft(title="太早", effective_from=date(2026, 12, 3), actor=administrator)
    with pytest.raises(DomainError) as refused:
        rulebook_version_publish(version=early, actor=oversight, now=MONDAY)
    assert refused.value.field == "effective_from"
    early.refresh_from_db()
    assert early.status == Status.DRAFT


def _close(publication, now):
    notices.publication_close(publication=publication, now=now)


def test_closing_the_window_adopts_the_revision_from_its_effective_date(draft, oversight):
    publication = rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    _close(publication, datetime(2026, 12, 4, 0, 5, tzinfo=SH))
    draft.refresh_from_db()
    assert draft.status == Status.ADOPTED
    assert rulebook.in_force(on=date(2026, 12, 31)).term.grace_days == 7
    assert rulebook.in_force(on=date(2027, 1, 1)).term.grace_days == 10


def test_an_upheld_objection_withdraws_the_revision(draft, oversight, resident_a, administrator):
    publication = rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=SH)):
        objection = notices.objection_submit(publication=publication, author=resident_a, text="宽限期不应修改")
    _close(publication, datetime(2026, 12, 4, 0, 5, tzinfo=SH))  # awaits the objection's decision
    notices.objection_decide(objection=objection, upheld=True, reason="异议成立", actor=administrator)
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    assert rulebook.in_force(on=date(2027, 1, 1)).version == 1


def test_a_published_version_cannot_be_edited_or_withdrawn_as_a_draft(draft, oversight, administrator):
    rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    with pytest.raises(InvalidTransition):
        rulebook_version_update(
            version=draft, actor=administrator, body=draft.body, title="x", summary="", effective_from=date(2027, 1, 2)
        )



def test_withdrawing_a_publicised_revision_takes_it_off_the_board(draft, oversight, administrator):
    publication = rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    with pytest.raises(DomainError):
        rulebook_version_withdraw(version=draft, actor=administrator)  # a reason is required
    rulebook_version_withdraw(version=draft, actor=administrator, reason="数字有误，重新起草")
    draft.refresh_from_db()
    publication.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    assert publication.status == PublicationStatus.WITHDRAWN


def test_oversight_rejects_a_draft_but_cannot_take_a_revision_off_the_board(draft, oversight, administrator):
    """Oversight's writes are the revision decisions (RULEBOOK §1, §11): approve, or reject a draft."""
    other = rulebook_version_draft(title="另一修订", effective_from=date(2027, 2, 1), actor=administrator)
    rulebook_version_withdraw(version=other, actor=oversight, reason="依据不足")
    other.refresh_from_db()
    assert other.status == Status.WITHDRAWN
    rulebook_version_publish(version=draft, actor=oversight, now=MONDAY)
    with pytest.raises(PermissionDenied):
        rulebook_version_withdraw(version=draft, actor=oversight, reason="撤下")
    draft.refresh_from_db()
    assert draft.status == Status.PUBLICISED


@pytest.mark.parametrize("fixture", ["oversight", "intake_staff"])
def test_only_the_administrator_drafts_and_edits(request, fixture, draft):
    user = request.getfixturevalue(fixture)
    with pytest.raises(PermissionDenied):
        rulebook_version_draft(title="修订", effective_from=date(2027, 1, 1), actor=user)
    with pytest.raises(PermissionDenied):
        rulebook_version_update(version=draft, actor=user, body=draft.body, title="改", summary="",
                                effective_from=draft.effective_from)
    with pytest.raises(PermissionDenied):
        rulebook_version_withdraw(version=draft, actor=request.getfixturevalue("resources_staff"), reason="x")


def test_the_database_freezes_adopted_versions_whoever_writes():
    first = RulebookVersion.objects.get(number=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        RulebookVersion.objects.filter(pk=first.pk).update(body={})
    with pytest.raises(DatabaseError), transaction.atomic():
        RulebookVersion.objects.filter(pk=first.pk).update(status=Status.DRAFT)  # outside the state machine
    with pytest.raises(DatabaseError), transaction.atomic():
        RulebookVersion.objects.filter(pk=first.pk).delete()


def test_two_adopted_versions_cannot_share_an_effective_date():
    first = RulebookVersion.objects.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RulebookVersion.objects.create(
            number=9, title="dup", effective_from=first.effective_from, body=first.body, status=Status.ADOPTED
        )
