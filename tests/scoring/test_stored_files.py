"""Award certificates, contribution proofs and evidence behind the quarter's numbers are kept only if their
row commits, and go once their row is removed (opc_community.core.files)."""

import pytest

from scoring.models import AwardClaim, Contribution, InputEvidence
from scoring.services import inputs as services
from tests.scoring.support.inputs import DURING, at, make_quarter, member, numbers, pdf
from tests.stored_files import files_in, refuse_after_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


@pytest.fixture
def data(resident_a):
    me = member(resident_a, name="张三")
    with at(DURING):
        return services.input_save(quarter=make_quarter(), resident=me, values=numbers(), actor=me.user)


ADDS = {
    "award": lambda data: services.award_add(input=data, level="provincial", title="省级创业大赛二等奖",
                                             certificate=pdf(), actor=data.resident.user),
    "contribution": lambda data: services.contribution_add(input=data, kind="open_source", description="开源 SDK",
                                                           proof=pdf("贡献.pdf"), actor=data.resident.user),
    "evidence": lambda data: services.evidence_add(input=data, kind="progress_report", upload=pdf("进展报告.pdf"),
                                                   actor=data.resident.user),
}


@pytest.mark.parametrize("what", sorted(ADDS))
def test_a_refused_addition_leaves_no_file(data, private, monkeypatch, what):
    refuse_after_save(monkeypatch, services)

    with at(DURING), pytest.raises(Exception, match="refused"):
        ADDS[what](data)

    assert not (AwardClaim.objects.exists() or Contribution.objects.exists() or InputEvidence.objects.exists())
    assert files_in(private) == []


@pytest.mark.parametrize("what", sorted(ADDS))
def test_an_addition_keeps_its_file_until_it_is_removed(data, private, what, django_capture_on_commit_callbacks):
    with at(DURING):
        item = ADDS[what](data)
    assert len(files_in(private)) == 1

    with at(DURING), django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(item=item, actor=data.resident.user)

    assert files_in(private) == []
