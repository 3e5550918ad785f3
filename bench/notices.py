"""Benchmark: one 《违规整改通知书》 PDF against its floor, a one-line page in the same font.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    .venv/bin/python bench/notices.py              # 20 renders
    BENCH_RENDERS=50 .venv/bin/python bench/notices.py
    BENCH_KEEPDB=1 .venv/bin/python bench/notices.py

It never touches the configured database's data: it creates a dedicated database next to it
(``bench_<name>``), migrates it and makes one resident with one case and its notice. Then, in this one
process, it alternates ``BENCH_RENDERS`` times the notice (``discipline.documents.notice.render_notice``:
its context read from the database, the template, WeasyPrint) and the floor: a one-line page (the
notice's title) in the same font, through the same WeasyPrint call with the same prepared fonts
(``opc_community.core.documents.html_to_pdf``). The first render of each, warming fonts and templates,
is reported apart. Printed: min / median / max of the ratio notice / floor and of both times, the PDF
sizes. Not asserted; the goal is a median ratio ≤ 2 and a notice in ≤ 150 ms.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from opc_community.core.db_roles import connect_as_owner  # noqa: E402


def _bench_database() -> str:
    name = os.environ.get("BENCH_DATABASE_NAME") or f"bench_{settings.DATABASES['default']['NAME']}"
    return name


def main() -> None:
    import logging

    from django.core.management import call_command

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    renders = int(os.environ.get("BENCH_RENDERS", "20"))
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    connect_as_owner()  # the benchmark creates and migrates a database of its own
    original = settings.DATABASES["default"]["NAME"]
    bench_name = _bench_database()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{bench_name}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = bench_name
    try:
        call_command("migrate", verbosity=0)
        notice = _arrange()
        from discipline.documents.notice import render_notice
        from opc_community.core.documents import html_to_pdf

        def floor() -> bytes:
            return html_to_pdf(FLOOR_HTML)

        cold = [_timed(render_notice, notice)[0], _timed(floor)[0]]
        notices, floors = [], []
        for _ in range(renders):  # alternated in this process
            seconds, pdf = _timed(render_notice, notice)
            notices.append(seconds)
            seconds, floor_pdf = _timed(floor)
            floors.append(seconds)
        ratios = [n / f for n, f in zip(notices, floors, strict=True)]
        load = os.getloadavg()
        print(f"《违规整改通知书》 PDF, {renders} renders alternated with the floor in one process "
              f"({os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end)")
        print("  floor: a one-line page (the notice's title) in the same font, same WeasyPrint call and prepared fonts")
        print(f"  ratio notice / floor (min / median / max): {_spread(ratios)}      goal ≤ 2")
        print(f"  notice: {_spread([1000 * t for t in notices], digits=0)} ms      goal ≤ 150 ms "
              f"(first of the process: {1000 * cold[0]:.0f} ms)")
        print(f"  floor:  {_spread([1000 * t for t in floors], digits=0)} ms (first: {1000 * cold[1]:.0f} ms)")
        print(f"  PDF size: notice {len(pdf) / 1024:.1f} KB, floor {len(floor_pdf) / 1024:.1f} KB")
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = original
        if not keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        connection.close()


FLOOR_HTML = (
    '<html lang="zh-hans"><body style="font-family: \'Noto Sans CJK SC GB2312\', \'Noto Sans CJK SC\'">'
    "《违规整改通知书》</body></html>"
)


def _timed(call: Any, *args: Any) -> tuple[float, bytes]:
    started = time.perf_counter()
    result = call(*args)
    return time.perf_counter() - started, result


def _spread(values: list[float], digits: int = 2) -> str:
    return " / ".join(f"{value:.{digits}f}" for value in (min(values), statistics.median(values), max(values)))


def _arrange():
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from discipline.models import RectificationNotice
    from discipline.services import cases as services
    from opc_community.accounts.models import User
    from opc_community.accounts.roles import Role
    from tests.residents.factories import AgreementFactory, ResidentFactory

    existing = RectificationNotice.objects.select_related("case__resident__application").first()
    if existing is not None:
        return existing
    staff, _ = User.objects.get_or_create(username="bench_admin", defaults={"full_name": "孙负责", "is_staff": True})
    from django.contrib.auth.models import Group

    staff.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    resident = ResidentFactory(name="张三", user__full_name="张三", user__username="bench_resident")
    AgreementFactory(resident=resident)
    case = services.case_open(
        resident=resident, kind="2b", occurred_on=timezone.localdate() - timedelta(days=1),
        facts="在三楼公共休息区丢弃外卖垃圾，未按规定分类投放。", actor=staff,
    )
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(image, format="PNG")  # the upload check reads it as an image
    photo = SimpleUploadedFile("photo.png", image.getvalue(), content_type="image/png")
    services.case_verify(case=case, actor=staff, evidence=[photo])
    notice = services.notice_issue(case=case, requirement="立即清理三楼公共休息区的垃圾，并按规定分类投放。", actor=staff)
    return RectificationNotice.objects.select_related("case__resident__application").get(pk=notice.pk)


if __name__ == "__main__":
    main()
