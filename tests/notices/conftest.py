"""Fixtures of the notice-board tests: a publishing helper and a recording close handler."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from opc_community.notices import registry, services
from opc_community.notices.models import PublicationKind

SH = ZoneInfo("Asia/Shanghai")

#: Tue 2026-06-02 10:00 in Shanghai; three working days later the window ends at the end of
#: Fri 2026-06-05 (no holiday in between; the Dragon Boat Festival is 2026-06-19).
START = datetime(2026, 6, 2, 10, 0, tzinfo=SH)
END = datetime(2026, 6, 5, 23, 59, 59, tzinfo=SH)
AFTER = datetime(2026, 6, 6, 0, 0, 0, tzinfo=SH)

MASKED_BODY = "经核实，入驻主体张*于2026年5月20日在公共区域堆放杂物、堵塞消防通道。\n依据第八章第二条，给予警告并责令整改。"


@pytest.fixture
def publish(administrator):
    """``publish(**overrides)`` → a publication opened by the administrator at START (3 working days)."""

    def make(**overrides):
        fields = {
            "kind": PublicationKind.PENALTY_DECISION,
            "title": "关于入驻主体张*违规使用空间的处罚决定",
            "body": MASKED_BODY,
            "starts_at": START,
            "actor": administrator,
        }
        fields.update(overrides)
        # Typed by staff at the desk: the title and the text are scanned before publication.
        fields.setdefault("staff_text", {"title": fields["title"], "body": fields["body"]})
        return services.publication_open(**fields)

    return make


class RecordingHandler:
    """A close handler that remembers each call (publication id, overturned)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def __call__(self, publication, *, overturned: bool) -> None:
        self.calls.append((publication.pk, overturned))


@pytest.fixture
def penalty_handler(monkeypatch) -> RecordingHandler:
    """A recording handler registered for penalty decisions for the duration of one test."""
    handler = RecordingHandler()
    monkeypatch.setitem(registry._close_handlers, PublicationKind.PENALTY_DECISION, handler)
    return handler
