"""Reads about accounts: who holds a role (to notify a team)."""

from django.db.models import QuerySet

from opc_community.accounts.models import User


def members_of(*roles: str) -> QuerySet[User]:
    """Active users in any of the role groups (e.g. the intake team, to notify it)."""
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()
