"""REST API of the sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3).

- ``/sharing-posts/``: residents list the posts on the board and all their own (filters: kind,
  category, status, ``mine``, ``on_board``, ``q``), post (``confirm_no_secrets`` must be true, 第四章第二条 3),
  change their own (PATCH), ``close``, ``renew``, and express ``interest`` in another's (POST, a
  message); ``interests`` (GET) lists who expressed interest — the author and staff only. Staff read
  every post and ``hide`` one (reason).
- ``/sharing-interests/``: a resident's own interests and those in its posts; staff all.
- ``/sharing-matches/``: a resident's matches (``accept``, ``decline``); staff all, propose one (POST:
  ``post`` and either ``other_post`` or ``interest``) and ``cancel`` one still waiting.

Never public: anonymous callers are refused; a resident never reads another's interests or matches
(querysets start from ``request.resident``: another's → 404; the author's own interests list → 403 to others).
Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; an illegal step → 409.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.idempotency import idempotent
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from resources.models import (
    MatchStatus,
    PostStatus,
    SharingCategory,
    SharingInterest,
    SharingKind,
    SharingMatch,
    SharingPost,
)
from resources.rules import sharing as rules
from resources.selectors import sharing as selectors
from resources.services import sharing as services

# --- Serializers ----------------------------------------------------------------------------------------------


class SharingPostSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    state = serializers.SerializerMethodField(help_text=_("open, expired, closed or hidden, as of now"))
    last_day = serializers.SerializerMethodField()

    class Meta:
        model = SharingPost
        fields = ("id", "resident", "resident_name", "kind", "kind_display", "category", "category_display", "title",
                  "body", "status", "state", "created_at", "updated_at", "expires_at", "last_day", "renewed_at",
                  "closed_at", "no_secrets_confirmed_at", "hidden_at", "hidden_reason")

    def get_state(self, post: SharingPost) -> str:
        return rules.effective_status(status=post.status, expiry=post.expires_at, now=timezone.now())

    def get_last_day(self, post: SharingPost) -> str:
        return rules.last_day(post.expires_at).isoformat()


class SharingPostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SharingKind.choices)
    category = serializers.ChoiceField(choices=SharingCategory.choices)
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH)
    body = serializers.CharField(max_length=services.BODY_MAX_LENGTH)
    confirm_no_secrets = serializers.BooleanField(
        help_text=_("Must be true: the post contains no trade secrets and no personal data of others "
                    "(Chapter 4, Article 2.3)."))


class SharingPostUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=SharingCategory.choices, required=False)
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH, required=False)
    body = serializers.CharField(max_length=services.BODY_MAX_LENGTH, required=False)
    confirm_no_secrets = serializers.BooleanField()


class SharingInterestSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    post_title = serializers.CharField(source="post.title", read_only=True)

    class Meta:
        model = SharingInterest
        fields = ("id", "post", "post_title", "resident", "resident_name", "message", "created_at")


class SharingInterestCreateSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=services.MESSAGE_MAX_LENGTH)


class SharingHideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH)


class SharingMatchSerializer(serializers.ModelSerializer):
    post_title = serializers.CharField(source="post.title", read_only=True)
    author_name = serializers.CharField(source="author.name", read_only=True)
    counterpart_name = serializers.CharField(source="counterpart.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SharingMatch
        fields = ("id", "post", "post_title", "other_post", "interest", "author", "author_name", "counterpart",
                  "counterpart_name", "note", "status", "status_display", "author_answer", "author_answered_at",
                  "counterpart_answer", "counterpart_answered_at", "proposed_at", "decided_at", "cancel_reason")


class SharingMatchCreateSerializer(serializers.Serializer):
    post = serializers.PrimaryKeyRelatedField(queryset=SharingPost.objects.all())
    other_post = serializers.PrimaryKeyRelatedField(queryset=SharingPost.objects.all(), required=False)
    interest = serializers.PrimaryKeyRelatedField(queryset=SharingInterest.objects.all(), required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class SharingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


# --- Filters --------------------------------------------------------------------------------------------------


class SharingPostFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=SharingKind.choices)
    category = filters.ChoiceFilter(choices=SharingCategory.choices)
    status = filters.ChoiceFilter(choices=PostStatus.choices)
    mine = filters.BooleanFilter(method="filter_mine", label=_("my own posts"))
    on_board = filters.BooleanFilter(method="filter_on_board", label=_("on the board now"))
    q = filters.CharFilter(method="filter_q", label=_("words in the title or the description"))

    class Meta:
        model = SharingPost
        fields = ("kind", "category", "status")

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        resident = getattr(self.request, "resident", None)
        if value is None or resident is None:
            return queryset
        return queryset.filter(resident=resident) if value else queryset.exclude(resident=resident)

    def filter_on_board(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        board = selectors.on_board(now=timezone.now())
        return queryset.filter(board) if value else queryset.exclude(board)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value)) if value else queryset


class SharingMatchFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MatchStatus.choices)

    class Meta:
        model = SharingMatch
        fields = ("status", "post")


# --- Access ---------------------------------------------------------------------------------------------------

SharingAccess = staff_or_resident(services.is_reader)


def _require_manager(request: Request) -> None:
    if not services.is_manager(request.user):
        raise PermissionDenied(_("Only the resources team or the administrator handles the sharing board."))


def _require_resident(request: Request) -> None:
    if audience(request) != RESIDENT:
        raise PermissionDenied(_("Only residents act on the sharing board, for themselves."))


# --- Views ------------------------------------------------------------------------------------------------------


class SharingPostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sharing posts: residents see the board and their own; staff every post (newest first)."""

    permission_classes = [SharingAccess]
    serializer_class = SharingPostSerializer
    filterset_class = SharingPostFilter

    def get_queryset(self) -> QuerySet[SharingPost]:
        if getattr(self, "swagger_fake_view", False):
            return SharingPost.objects.none()
        if audience(self.request) == STAFF:
            return SharingPost.objects.select_related("resident").order_by("-created_at", "-pk")
        return selectors.visible_to(self.request.resident).order_by("-created_at", "-pk")

    def _answer(self, post: SharingPost, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = SharingPost.objects.select_related("resident").get(pk=post.pk)
        return Response(SharingPostSerializer(fresh).data, status=code)

    def _own(self) -> SharingPost:
        post = self.get_object()
        if post.resident.user_id != self.request.user.pk:
            raise PermissionDenied(str(services.REFUSALS[rules.Refusal.NOT_AUTHOR]))
        return post

    @idempotent("resources.sharing_post")
    @extend_schema(request=SharingPostCreateSerializer, responses={201: SharingPostSerializer})
    def create(self, request: Request) -> Response:
        """Post an offer or a need (residents); ``confirm_no_secrets`` must be true (第四章第二条 3)."""
        _require_resident(request)
        data = SharingPostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(resident=request.resident, actor=request.user, **data.validated_data)
        return self._answer(post, code=status.HTTP_201_CREATED)

    @extend_schema(request=SharingPostUpdateSerializer, responses=SharingPostSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """The author changes the text of a post on the board, confirming 第四章第二条 3 again."""
        post = self._own()
        data = SharingPostUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"category": post.category, "title": post.title, "body": post.body, **data.validated_data}
        return self._answer(services.post_update(post=post, actor=request.user, **values))

    @extend_schema(request=None, responses=SharingPostSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.post_close(post=self._own(), actor=request.user))

    @extend_schema(request=None, responses=SharingPostSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def renew(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.post_renew(post=self._own(), actor=request.user))

    @extend_schema(request=SharingHideSerializer, responses=SharingPostSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def hide(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = SharingHideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.post_hide(post=self.get_object(), reason=data.validated_data["reason"],
                                               actor=request.user))

    @extend_schema(methods=["POST"], request=SharingInterestCreateSerializer,
                   responses={201: SharingInterestSerializer})
    @extend_schema(methods=["GET"], request=None, responses=SharingInterestSerializer(many=True))
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def interest(self, request: Request, pk: str | None = None) -> Response:
        """POST: express interest (residents, in another's post); GET: who expressed interest — the author
        and staff only."""
        post = self.get_object()
        if request.method == "GET":
            if audience(request) != STAFF and post.resident.user_id != request.user.pk:
                raise PermissionDenied(_("Only the author of a post and staff see who expressed interest."))
            return Response(SharingInterestSerializer(selectors.interests_in(post), many=True).data)
        _require_resident(request)
        data = SharingInterestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interest = services.interest_express(post=post, resident=request.resident,
                                             message=data.validated_data["message"], actor=request.user)
        return Response(SharingInterestSerializer(interest).data, status=status.HTTP_201_CREATED)


class SharingInterestViewSet(viewsets.ReadOnlyModelViewSet):
    """Interests: a resident's own and those in its posts; staff all."""

    permission_classes = [SharingAccess]
    serializer_class = SharingInterestSerializer
    filterset_fields = ("post",)

    def get_queryset(self) -> QuerySet[SharingInterest]:
        if getattr(self, "swagger_fake_view", False):
            return SharingInterest.objects.none()
        base = SharingInterest.objects.select_related("post", "resident").order_by("-created_at", "-pk")
        if audience(self.request) == STAFF:
            return base
        resident = self.request.resident
        return base.filter(Q(resident=resident) | Q(post__resident=resident))


class SharingMatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Matches: a resident's own (accept, decline); staff all (propose, cancel)."""

    permission_classes = [SharingAccess]
    serializer_class = SharingMatchSerializer
    filterset_class = SharingMatchFilter

    def get_queryset(self) -> QuerySet[SharingMatch]:
        if getattr(self, "swagger_fake_view", False):
            return SharingMatch.objects.none()
        if audience(self.request) == STAFF:
            return SharingMatch.objects.select_related("post", "author", "counterpart").order_by("-proposed_at",
                                                                                                   "-pk")
        return selectors.matches_of(self.request.resident)

    def _answer(self, match: SharingMatch, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = SharingMatch.objects.select_related("post", "author", "counterpart").get(pk=match.pk)
        return Response(SharingMatchSerializer(fresh).data, status=code)

    def _party(self) -> SharingMatch:
        """The match, for one of its two sides only: anyone else (staff, oversight) gets 403."""
        match = self.get_object()
        if self.request.user.pk not in (match.author.user_id, match.counterpart.user_id):
            raise PermissionDenied(_("Only the two sides of a match accept or decline it."))
        return match

    @extend_schema(request=SharingMatchCreateSerializer, responses={201: SharingMatchSerializer})
    def create(self, request: Request) -> Response:
        """Propose a match (the resources team): a post with a post of the other kind, or with an interest in it."""
        _require_manager(request)
        data = SharingMatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.match_propose(actor=request.user, post=data.validated_data["post"],
                                       other_post=data.validated_data.get("other_post"),
                                       interest=data.validated_data.get("interest"),
                                       note=data.validated_data.get("note", ""))
        return self._answer(match, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SharingMatchSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.match_answer(match=self._party(), accept=True, actor=request.user))

    @extend_schema(request=None, responses=SharingMatchSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.match_answer(match=self._party(), accept=False, actor=request.user))

    @extend_schema(request=SharingCancelSerializer, responses=SharingMatchSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = SharingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.match_cancel(match=self.get_object(), reason=data.validated_data["reason"],
                                                  actor=request.user))


ROUTES = [
    ("sharing-posts", SharingPostViewSet, "sharing-post"),
    ("sharing-interests", SharingInterestViewSet, "sharing-interest"),
    ("sharing-matches", SharingMatchViewSet, "sharing-match"),
]
