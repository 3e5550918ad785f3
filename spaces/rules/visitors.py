"""Pure rules of the visitor log (外来访客, 第四章第一条，第七章第二条): phone numbers, the expected day,
and which front-desk step each status allows. No database, no clock: inputs in, decision out.
"""

import re
from datetime import date

#: A mainland mobile number (11 digits, 1[3-9]…) or a landline with its area code (0 + 9–11 digits).
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
#: Characters people type between the digits: spaces, dashes, dots, brackets.
_SEPARATORS = re.compile(r"[\s\-.()（）]")


def normalise_phone(raw: str) -> str | None:
    """The phone number as digits (a leading +86 / 0086 dropped), or None when it is not one.

    "138 1234 5678" → "13812345678"; "+86 138-1234-5678" → "13812345678";
    "020-8888 6666" → "02088886666"; "12345" → None.
    """
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix):]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def expected_day_acceptable(expected_on: date, *, today: date) -> bool:
    """A visitor is registered for today or a later day, never for a day already past."""
    return expected_on >= today


#: Front-desk steps by visitor status (the state machine is ``spaces.models.VISITOR_TRANSITIONS``).
FRONT_DESK_STEPS: dict[str, tuple[str, ...]] = {
    "awaiting_host": ("confirm_by_phone", "refuse_by_phone", "cancel"),
    "confirmed": ("admit", "cancel"),
    "admitted": ("sign_out",),
    "signed_out": (),
    "refused": (),
    "cancelled": (),
}


def front_desk_steps(status: str) -> tuple[str, ...]:
    """The steps the front desk may take on a visitor in ``status`` (unknown status: none)."""
    return FRONT_DESK_STEPS.get(status, ())


def host_can_answer(status: str) -> bool:
    """The host confirms or refuses only while the visitor awaits an answer."""
    return status == "awaiting_host"


def still_on_site(status: str) -> bool:
    """Admitted and not yet signed out: the front desk keeps them on today's board whatever the day."""
    return status == "admitted"
