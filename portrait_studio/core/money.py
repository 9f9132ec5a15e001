"""Money: every amount (cost, estimate, spend, cap, threshold) is a `Decimal` of USD, read in one place."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def parse_money(value: object) -> Decimal | None:
    """ "0.02", 0.02 or 2 → Decimal("0.02"); None, "", a bool, a non-number or a non-finite one → None.

    Floats still arrive: from settings files written before amounts were stored as text, and from gateways
    that send the cost as a JSON number. str() first: Decimal(0.02) would keep the binary float's 50 digits.
    """
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


__all__ = ["parse_money"]
