"""Demo notices: what the public board shows on a fresh ``make run``."""

from datetime import timedelta

from opc_community.core.demo import Demo
from opc_community.notices.models import Publication, PublicationKind
from opc_community.notices.services import publication_close, publication_open

NOTICES = (
    # (kind, title, body, days ago the window started)
    (
        PublicationKind.SERVICE_PROCEDURE,
        "入驻办理流程及材料清单",
        "一、填写《OPC社区入驻申请表》并上传身份证、营业执照（已注册者）、项目计划书。\n"
        "二、招商入驻组在 7 个工作日内完成材料初审；项目评估结果在评估后 2 个工作日内反馈。\n"
        "三、审核通过后签订《OPC社区入驻协议》，缴纳费用及保证金，办理入驻并完成岗前告知。",
        40,
    ),
    (
        PublicationKind.POLICY_NOTICE,
        "2026 年第四季度算力券、模型券申领通知",
        "符合条件的入驻主体可在线提交申领材料，资源赋能组审核后发放。申领截止日期：2026年12月20日。",
        2,
    ),
    (
        PublicationKind.RESOURCE_SUPPLY,
        "路演厅开放预约（每日 8:00–22:00）",
        "路演厅、会议室、洽谈室均实行预约使用制度，开始后 15 分钟未签到的预约将自动释放。",
        1,
    ),
)


def seed(demo: Demo) -> None:
    lead = demo.users["lead"]
    for kind, title, body, days_ago in NOTICES:
        if Publication.objects.filter(title=title).exists():
            continue
        publication = publication_open(
            kind=kind, title=title, body=body, staff_text={"title": title, "body": body},
            starts_at=demo.now - timedelta(days=days_ago), actor=lead,
        )
        if demo.now >= publication.window_ends_at + timedelta(seconds=1):  # the last second still counts
            publication_close(publication=publication, now=demo.now)
