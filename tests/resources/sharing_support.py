"""Arrangements of the sharing-board tests (no tests here): posts through the services, at NOW."""

from resources.models import SharingCategory, SharingKind, SharingPost
from resources.services import sharing as services


def post(resident, *, kind: str = SharingKind.OFFER, category: str = SharingCategory.AGENTS,
         title: str = "合同审查智能体", body: str = "基于大模型的合同审查工作流，可按次调用。") -> SharingPost:
    return services.post_create(resident=resident, kind=kind, category=category, title=title, body=body,
                                confirm_no_secrets=True, actor=resident.user)


def interest(post_: SharingPost, resident, message: str = "我们做律所客户，想试用。"):
    return services.interest_express(post=post_, resident=resident, message=message, actor=resident.user)
