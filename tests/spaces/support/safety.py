"""Arrangements of the safety tests (no tests here): the seed's safety rules, register items and incidents
straight in the ORM, a photo upload."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from spaces.models import FireEquipment, Incident
from tests.factories import UserFactory, image_bytes

SH = ZoneInfo("Asia/Shanghai")
#: Monday 16 November 2026, 09:00 in Shanghai.
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
TODAY = date(2026, 11, 16)

#: The seed's numbers (rulebook v1 ``safety``), for the pure rules.
SAFETY = SimpleNamespace(
    inspection_interval_days={"extinguisher": 30, "hydrant": 30, "emergency_light": 30, "exit_sign": 30,
                              "alarm": 30},
    expiry_warning_days=30,
    min_drills_per_year=2,
    incident_response_minutes={"general": 1440, "major": 240, "serious": 60},
)


class FireEquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FireEquipment

    code = factory.Sequence(lambda n: f"XF-{n:03d}")
    equipment_type = "extinguisher"
    location = "1F 东侧走廊"
    installed_on = date(2026, 1, 10)
    expires_on = date(2031, 1, 10)
    last_inspected_on = date(2026, 11, 1)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    number = factory.Sequence(lambda n: f"安〔2026〕{n + 1:04d}号")
    category = "hazard"
    place = "3F 安全出口"
    occurred_at = NOW
    description = "安全出口被纸箱堵住"
    reported_by = factory.SubFactory(UserFactory)


def photo(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("jpeg"), content_type="image/jpeg")
