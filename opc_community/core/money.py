"""Money in yuan as Decimal, quantised to the fen with one helper (never float)."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def quantize_money(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def format_yuan(amount: Decimal | int | str | None) -> str:
    """¥1,000.00 — the one way money is shown (UI.md)."""
    if amount is None:
        return ""
    value = quantize_money(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"
