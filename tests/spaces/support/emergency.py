"""Arrangements of the emergency-plan tests (no tests here): a plan and supplies straight in the ORM."""

from datetime import date

from spaces.models import EmergencyPlan, EmergencySupply

ROLES = "总指挥：行政管理员\n疏散引导：日常管理组"
PROCEDURES = "发现火情立即按下报警按钮\n拨打 119\n沿疏散指示有序撤离"


def fire_plan(published_by, *, version: int = 1, superseded_at=None, title: str = "火灾应急预案") -> EmergencyPlan:
    return EmergencyPlan.objects.create(kind="fire", version=version, title=title, roles=ROLES,
                                        procedures=PROCEDURES, published_by=published_by, superseded_at=superseded_at)


def supply(*, name: str = "防烟面罩", expires_on: date | None = date(2028, 1, 1), plan_kind: str = "fire",
           quantity: int = 20) -> EmergencySupply:
    return EmergencySupply.objects.create(name=name, plan_kind=plan_kind, location="1F 消防柜", quantity=quantity,
                                          unit="个", expires_on=expires_on)
