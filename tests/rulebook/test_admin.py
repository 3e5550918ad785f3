"""The revision pages of the operations desk: the approver reads each change as a sentence with its
article — on the revision's page and in the approval step — before it goes on the notice board (第九章第一条)."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.services import rulebook_version_draft, rulebook_version_update

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/rulebook/rulebookversion/"
SENTENCE = "第六章第二条 考核淘汰 末位淘汰比例：10% → 8%"


@pytest.fixture
def draft(administrator):
    version = rulebook_version_draft(
        title="末位淘汰比例调整", effective_from=timezone.localdate() + timedelta(days=60), actor=administrator)
    body = {**version.body, "elimination": {**version.body["elimination"], "bottom_ratio": "0.08"}}
    return rulebook_version_update(version=version, actor=administrator, body=body, title=version.title,
                                   summary="按社区规模调整", effective_from=version.effective_from)


def test_the_revision_page_lists_each_change_as_a_sentence(client_for, administrator, draft):
    page = client_for(administrator).get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    assert f"<li>{SENTENCE}</li>" in page
    assert "bottom_ratio" not in page.split('name="body"')[0]  # the JSON editor below still shows the data


def test_the_approval_step_shows_the_changes_before_publishing(client_for, oversight, draft):
    client = client_for(oversight)
    chosen = {"action": "approve_and_publish", helpers.ACTION_CHECKBOX_NAME: [draft.pk], "index": 0}

    step = client.post(CHANGELIST, chosen)
    assert step.status_code == 200
    page = step.content.decode()
    assert SENTENCE in page and "按社区规模调整" in page and 'name="post" value="yes"' in page
    draft.refresh_from_db()
    assert draft.status == RulebookVersion.Status.DRAFT  # nothing happens before the approver confirms

    assert client.post(CHANGELIST, {**chosen, "post": "yes"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == RulebookVersion.Status.PUBLICISED
