"""Roles of RULEBOOK §1 as groups, with the permissions of accounts.roles.MATRIX."""

import pytest
from django.contrib.auth.models import Group

from opc_community.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_every_role_group_exists():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


@pytest.mark.parametrize(
    ("fixture", "allowed", "refused"),
    [
        ("oversight", ["rulebook.view_rulebookversion", "notices.view_publication", "accounts.view_user",
                       "rulebook.approve_rulebookversion"],
         ["rulebook.change_rulebookversion", "notices.change_publication", "accounts.change_user"]),
        ("intake_staff", ["notices.add_publication", "workdays.view_specialday"],
         ["workdays.change_specialday", "rulebook.change_rulebookversion", "rulebook.approve_rulebookversion"]),
        ("daily_staff", ["notices.change_publication", "discipline.add_violationcase",
                         "discipline.change_violationcase", "discipline.view_rectificationnotice"],
         ["rulebook.add_rulebookversion", "discipline.delete_violationcase", "discipline.change_reward"]),
        ("resources_staff", ["notices.view_publication"], ["accounts.view_user"]),
        ("administrator", ["rulebook.change_rulebookversion", "workdays.change_specialday",
                           "rulebook.approve_rulebookversion", "auth.change_group"],
         []),
        ("resident_a", [], ["notices.view_publication", "rulebook.view_rulebookversion"]),
    ],
)
def test_permission_matrix(request, fixture, allowed, refused):
    user = request.getfixturevalue(fixture)
    for perm in allowed:
        assert user.has_perm(perm), perm
    for perm in refused:
        assert not user.has_perm(perm), perm


def test_oversight_can_read_but_not_change_in_the_admin(client_for, oversight):
    client = client_for(oversight)
    assert client.get("/admin/rulebook/rulebookversion/").status_code == 200
    assert client.get("/admin/rulebook/rulebookversion/1/change/").status_code == 200
    response = client.post("/admin/rulebook/rulebookversion/add/", {"title": "x"})
    assert response.status_code == 403


def test_residents_cannot_enter_the_admin(client_for, resident_a):
    response = client_for(resident_a).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]


def test_daily_team_works_the_violation_queue(client_for, daily_staff):
    client = client_for(daily_staff)
    assert client.get("/admin/discipline/violationcase/").status_code == 200
    assert client.get("/admin/discipline/violationcase/add/").status_code == 200
