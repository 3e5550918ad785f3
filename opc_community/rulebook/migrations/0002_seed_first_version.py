"""The first rulebook version: every number of RULEBOOK.md, in force from the regulation's issue date."""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "seed" / "v1.json"


def seed(apps, schema_editor):
    RulebookVersion = apps.get_model("rulebook", "RulebookVersion")
    if RulebookVersion.objects.exists():
        return
    RulebookVersion.objects.create(
        number=1,
        title="《南沙国际 OPC 生态社区运营管理规范》（2026 年 4 月 1 日发布）",
        summary="首个版本：规范原文各项数字，及 RULEBOOK.md 的解释性决定。",
        effective_from=date(2026, 4, 1),
        body=json.loads(SEED.read_text(encoding="utf-8")),
        status="adopted",
    )


class Migration(migrations.Migration):
    dependencies = [("rulebook", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
