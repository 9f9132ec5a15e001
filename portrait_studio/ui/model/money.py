"""Money in the ui is Decimal; core Settings keeps its two amounts as floats, converted here and only here."""

from __future__ import annotations

from decimal import Decimal

from portrait_studio.core.settings import Settings


def to_decimal(value: float | str | Decimal | None) -> Decimal | None:
    """An amount of USD as Decimal (via its shortest text: 0.1 stays 0.1, not 0.1000000000000000055…)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def budget_cap(settings: Settings | None) -> Decimal | None:
    """The daily budget cap of Settings (None: no cap)."""
    return to_decimal(settings.budget_cap) if settings is not None else None


def confirm_above(settings: Settings) -> Decimal:
    """Settings' per-edit amount above which the window asks before paying."""
    return to_decimal(settings.confirm_cost_above) or Decimal(0)


__all__ = ["budget_cap", "confirm_above", "to_decimal"]
