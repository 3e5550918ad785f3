"""Demo safety (第七章), called by ``spaces.demo.seed``: a register of 30 items of fire equipment — two
overdue for inspection, one expiring, one with a defect found on this month's round (a work item open) —
three incidents in different states (reported, being handled, closed), and the fire emergency plan
(version 2 in force, version 1 kept) with its supplies — one expiring soon.

Idempotent: items by code; the defect when that item has no inspection yet; incidents by
(reporter, place). The register is written with the ORM (its past inspection days are history);
the defect and the incidents go through the services.
"""

from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from opc_community.core.demo import Demo
from opc_community.workdays.rules import local_date
from spaces.models import FireEquipment, Incident, Inspection
from spaces.services import safety as services

#: (prefix, type, count, places)
REGISTER = (
    ("MHQ", "extinguisher", 10, ("3F 东侧走廊", "3F 西侧走廊", "4F 东侧走廊", "4F 西侧走廊", "1F 大堂")),
    ("XHS", "hydrant", 6, ("3F 消防栓箱", "4F 消防栓箱", "1F 消防栓箱")),
    ("YJD", "emergency_light", 6, ("3F 楼梯间", "4F 楼梯间", "1F 大堂")),
    ("SSZ", "exit_sign", 6, ("3F 安全出口", "4F 安全出口", "1F 南门")),
    ("BJQ", "alarm", 2, ("3F 弱电间", "4F 弱电间")),
)
OVERDUE = ("MHQ-03", "YJD-02")
EXPIRING = "MHQ-07"
DEFECT = ("MHQ-05", "压力表指针在红区，需充装")


def seed(demo: Demo, *, png: bytes, reporters: dict[str, Any]) -> None:
    today = local_date(demo.now)
    _register(today)
    daily = demo.users["daily"]
    item = FireEquipment.objects.get(code=DEFECT[0])
    if not Inspection.objects.filter(equipment=item).exists():
        services.inspection_record(equipment=item, result="defect", note=DEFECT[1], actor=daily, today=today,
                                   photo=SimpleUploadedFile("defect.png", png, content_type="image/png"))
    _incidents(demo, png=png, reporters=reporters)
    _plans(demo, today=today)


def _register(today: date) -> None:
    existing = set(FireEquipment.objects.values_list("code", flat=True))
    rows = []
    for prefix, kind, count, places in REGISTER:
        for n in range(1, count + 1):
            code = f"{prefix}-{n:02d}"
            if code in existing:
                continue
            last = today.replace(day=1) - timedelta(days=1) if code not in OVERDUE else today - timedelta(days=45)
            expires = None
            if kind in ("extinguisher", "emergency_light"):
                expires = today + timedelta(days=20) if code == EXPIRING else date(today.year + 4, 6, 30)
            rows.append(FireEquipment(
                code=code, equipment_type=kind, location=places[(n - 1) % len(places)],
                installed_on=date(today.year - 1, 3, 1), expires_on=expires, last_inspected_on=last,
            ))
    FireEquipment.objects.bulk_create(rows)


def _incidents(demo: Demo, *, png: bytes, reporters: dict[str, Any]) -> None:
    daily = demo.users["daily"]
    now = demo.now
    zhangsan, ouyang = reporters.get("zhangsan"), reporters.get("ouyang")
    if zhangsan is not None and not Incident.objects.filter(reported_by=zhangsan, place="4F 安全出口").exists():
        services.incident_report(
            actor=zhangsan, category="hazard", place="4F 安全出口", occurred_at=now - timedelta(minutes=40),
            description="安全出口门后堆放了快递纸箱，通道被堵住一半。",
            photo=SimpleUploadedFile("exit.png", png, content_type="image/png"),
        )
    if ouyang is not None and not Incident.objects.filter(reported_by=ouyang, place="共享办公区").exists():
        incident = services.incident_report(
            actor=ouyang, category="network_anomaly", place="共享办公区", occurred_at=now - timedelta(hours=3),
            description="共享办公区 Wi-Fi 出现一个同名热点，疑似钓鱼网络。",
        )
        services.incident_triage(incident=incident, severity="major", actor=daily, note="已通知网络管理员排查。")
        services.incident_add_action(incident=incident, text="已定位并关闭可疑热点，正在核查连接记录。", actor=daily)
    if not Incident.objects.filter(reported_by=daily, place="1F 大堂").exists():
        incident = services.incident_report(
            actor=daily, category="suspicious_person", place="1F 大堂", occurred_at=now - timedelta(days=2),
            description="一名未登记人员在大堂徘徊并尝试进入办公区。",
        )
        services.incident_triage(incident=incident, severity="general", actor=daily)
        services.incident_close(incident=incident, outcome="经询问为外卖配送员，已引导至前台登记后离开。", actor=daily)


# --- Emergency plan (第七章第四条) ------------------------------------------------------------------------

FIRE_ROLES = """总指挥：行政管理员（负责启动预案、对外报告 119 与主管部门）
现场处置：日常管理组值班人员（初起火灾扑救、切断电源）
疏散引导：日常管理组（各楼层安全出口引导、集合点清点人数）
联络：资源服务组（通知入驻主体、联系物业与医疗）"""
FIRE_STEPS = """发现火情立即按下最近的手动报警按钮，并呼喊告知周围人员
初起火灾：用就近灭火器扑救；无法控制时立即撤离，随手关门
拨打 119，说明地址“南沙国际 OPC 生态社区 3 层”、起火部位和燃烧物
沿疏散指示标志从安全出口撤离，不乘电梯，用湿毛巾捂住口鼻
到 1F 南门外集合点报到，由疏散引导人员清点人数
火灾扑灭后经消防部门确认方可返回"""
SUPPLIES = (
    ("防烟面罩", "fire", "3F 消防柜", 40, "个", 900),
    ("灭火毯", "fire", "3F 茶水间", 6, "条", None),
    ("应急手电", "", "1F 前台", 12, "支", 20),
    ("急救包", "", "1F 前台", 4, "个", 400),
)


def _plans(demo: Demo, *, today: date) -> None:
    from spaces.models import EmergencyPlan, EmergencySupply
    from spaces.services import emergency

    daily = demo.users["daily"]
    if not EmergencyPlan.objects.filter(kind="fire").exists():
        emergency.plan_publish(kind="fire", title="火灾应急预案", roles=FIRE_ROLES,
                               procedures=FIRE_STEPS.replace("，随手关门", ""), actor=daily)
        emergency.plan_publish(kind="fire", title="火灾应急预案", roles=FIRE_ROLES, procedures=FIRE_STEPS, actor=daily)
    for name, kind, place, quantity, unit, days in SUPPLIES:
        if not EmergencySupply.objects.filter(name=name).exists():
            emergency.supply_save(supply=EmergencySupply(
                name=name, plan_kind=kind, location=place, quantity=quantity, unit=unit,
                expires_on=None if days is None else today + timedelta(days=days)), actor=daily)
