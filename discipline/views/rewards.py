"""Portal pages for rewards and volunteer service (我的奖励, 第八章第一条).

Thin views: each says who may use it; a resident's reward is fetched through
``request.resident`` (another resident's: 404); every change is one service call.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from discipline.forms.rewards import ChoiceForm
from discipline.models import Reward
from discipline.selectors import rewards as selectors
from discipline.services import rewards as services
from opc_community.core.uploads import (
    sniffed_file_response,
)
from opc_community.core.views import submit_form
from residents.access import own_or_staff_record, resident_required


@resident_required
@require_GET
def my_rewards(request: HttpRequest) -> HttpResponse:
    """我的奖励与使用券: rewards with status and the rule behind each, roadshow credits, volunteer services."""
    return _page(request)


@resident_required
@require_POST
def reward_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident chooses the form of a compliance-excellence reward (credits or voucher subsidy)."""
    reward = get_object_or_404(selectors.rewards_of(request.resident), pk=pk)
    form = ChoiceForm(request.POST)
    return submit_form(
        request, form, lambda data: services.reward_choose(reward=reward, choice=data["choice"], actor=request.user),
        success_url="discipline:my_rewards", message=_("Your choice was recorded."),
        page=lambda status: _page(request, forms={reward.pk: form}, status=status), flash_errors=True,
    )


@login_required
@require_GET
def reward_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate scan, privately: to the rewarded resident and to staff who may read rewards (else 404)."""
    reward = own_or_staff_record(request, pk, model=Reward, permission="discipline.view_reward",
                                 own=selectors.rewards_of)
    return sniffed_file_response(reward.evidence, stem=f"reward-{reward.pk}")


def _page(request: HttpRequest, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    page = selectors.reward_page(request.resident, today=timezone.localdate())
    forms = forms or {}
    for line in page.compliance:
        line.form = forms.get(line.reward.pk) or ChoiceForm(initial={"choice": line.reward.choice or None})
    return render(request, "discipline/rewards/my_rewards.html", {"page": page}, status=status)


urlpatterns = [
    path("rewards/", my_rewards, name="my_rewards"),
    path("rewards/<int:pk>/choose/", reward_choose, name="reward_choose"),
    path("rewards/<int:pk>/evidence/", reward_evidence, name="reward_evidence"),
]
