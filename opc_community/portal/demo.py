"""Demo inbox: a welcome message for every demo resident."""

from opc_community.accounts.demo import ACCOUNTS
from opc_community.accounts.roles import Role
from opc_community.core.demo import Demo
from opc_community.portal.services import notify


def seed(demo: Demo) -> None:
    residents = [demo.users[h] for h, (_, _, role, _) in ACCOUNTS.items() if role == Role.RESIDENT]
    notify(
        recipients=residents,
        title="欢迎来到南沙国际 OPC 生态社区",
        body="请先阅读《南沙国际 OPC 生态社区运营管理规范》，入驻后可在门户预约场地、提交诉求、查看季度考核。",
        link="/notices/",
        kind="welcome",
        dedupe_key="demo-welcome",
        email=False,
    )
