"""API tokens that expire: DRF's token authentication with a lifetime (``API_TOKEN_LIFETIME``).

A token is issued by ``POST /api/v1/auth/token/`` (:mod:`opc_community.accounts.api`), lives
30 days from issue, and is deleted when its owner's password changes (``User.save``).
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from opc_community.accounts.services import api_token_expires_at


class TokenExpired(exceptions.APIException):
    """HTTP 401 whichever authentication class comes first (DRF turns AuthenticationFailed into 403
    when the first one, session authentication, names no WWW-Authenticate scheme)."""

    status_code = 401
    default_detail = _("This API token has expired: request a new one (POST /api/v1/auth/token/).")
    default_code = "token_expired"
    auth_header = "Token"


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if api_token_expires_at(token) <= timezone.now():
            raise TokenExpired()
        return user, token
