"""A permit's material is kept only if the permit commits (opc_community.core.files)."""

import pytest
import time_machine

from spaces.models import Permit
from spaces.services import permits as services
from tests.spaces.support.desks import member, pdf_upload, use_private_storage
from tests.spaces.support.permits import NOW, at
from tests.stored_files import files_in, refuse_after_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    with time_machine.travel(NOW, tick=False):
        yield tmp_path / "private"


def apply(resident):
    return services.permit_apply(
        resident=resident, actor=resident.user, kind="posters", title="AI 创业沙龙", place="路演厅",
        starts_at=at(17, 9), ends_at=at(17, 12), description="交流活动", material=pdf_upload(),
    )


def test_a_refused_permit_leaves_no_material(resident_a, private, monkeypatch):
    applicant = member(resident_a, name="张三")
    refuse_after_save(monkeypatch, services)

    with pytest.raises(Exception, match="refused"):
        apply(applicant)

    assert not Permit.objects.exists() and files_in(private) == []


def test_a_permit_applied_for_keeps_its_material(resident_a, private):
    permit = apply(member(resident_a, name="张三"))

    assert files_in(private) == [permit.material.name]
