"""API: exchange a password for an API token (/api/v1/auth/token/)."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opc_community.accounts import services, two_factor
from opc_community.accounts.lockout import LockedOut, lockout_message
from opc_community.core.errors import DomainError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=gettext_lazy("user name"), max_length=150)
    password = serializers.CharField(label=gettext_lazy("password"), max_length=128, trim_whitespace=False)
    otp_token = serializers.CharField(
        label=gettext_lazy("two-factor code"), max_length=8, required=False, allow_blank=True,
        help_text=gettext_lazy("Required for staff with an authenticator app: the 6 digits it shows now."),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label=gettext_lazy("token"), help_text=gettext_lazy("Send it as: Authorization: Token <token>"))
    expires_at = serializers.DateTimeField(label=gettext_lazy("expires at"))


class ObtainTokenView(APIView):
    """Public (it is how integrations log in): a user name and password — plus the authenticator's
    code for staff who have one — give the person's API token, valid 30 days from issue and revoked
    by a password change. Failures count towards the login lock-out (HTTP 429 while locked); the
    administrator and oversight roles must have enrolled an authenticator in the portal (HTTP 403)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description=gettext_lazy("Wrong user name, password or code")),
            403: OpenApiResponse(description=gettext_lazy("An authenticator must be enrolled first")),
            429: OpenApiResponse(description=gettext_lazy("Locked after repeated failures")),
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Axes keeps its marks on Django's request, where its middleware looks for them.
        http_request = request._request
        user = authenticate(
            http_request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            raise DomainError(_("The user name or password is wrong."), code="invalid_credentials")
        step = two_factor.step_at_login(user)
        if step == two_factor.ENROL:
            raise two_factor.TwoFactorRequired(
                _("Your role needs two-factor authentication: enrol an authenticator app in the portal first.")
            )
        if step == two_factor.VERIFY:
            code = data.validated_data.get("otp_token", "").strip()
            if not code:
                raise DomainError(
                    _("Two-factor code: required for your account (the 6 digits your authenticator app shows)."),
                    field="otp_token", code="two_factor_code_required",
                )
            two_factor.verify(http_request, user, code, field="otp_token")
        token = services.api_token_issue(user=user)
        return Response(TokenSerializer({"token": token.key, "expires_at": services.api_token_expires_at(token)}).data)
