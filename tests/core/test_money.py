"""Money is Decimal end to end: parsed in one place, exact from old float settings, written as text."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from portrait_studio.core.errors import ConfigError
from portrait_studio.core.fileio import atomic_write_json
from portrait_studio.core.money import parse_money
from portrait_studio.core.settings import Settings, load_settings, save_settings, settings_path


def test_parse_money_keeps_the_decimal_a_person_wrote():
    assert parse_money(0.1) == Decimal("0.1")  # not Decimal(0.1): the binary float's 55 digits
    assert parse_money(" 0.035 ") == Decimal("0.035") and parse_money(2) == Decimal(2)
    for nothing in (None, "", True, "free", "NaN", "inf", [1]):
        assert parse_money(nothing) is None


def test_an_older_settings_file_with_float_amounts_reads_exactly():
    atomic_write_json(settings_path(), {"schema": 1, "confirm_cost_above": 0.1, "budget_cap": 2.5})
    s = load_settings()
    assert (s.confirm_cost_above, s.budget_cap) == (Decimal("0.1"), Decimal("2.5"))
    assert isinstance(s.confirm_cost_above, Decimal) and isinstance(s.budget_cap, Decimal)
    assert Settings().confirm_cost_above == Decimal("0.10") and Settings().budget_cap is None


def test_amounts_are_written_as_text_and_read_back_equal():
    s = Settings(confirm_cost_above=Decimal("0.05"), budget_cap=Decimal("3.00"))
    save_settings(s)
    data = json.loads(settings_path().read_text(encoding="utf-8"))
    assert (data["confirm_cost_above"], data["budget_cap"]) == ("0.05", "3.00")
    assert load_settings() == s
    save_settings(Settings())
    assert json.loads(settings_path().read_text(encoding="utf-8"))["budget_cap"] is None


def test_an_amount_that_is_not_money_is_refused_with_a_fix():
    with pytest.raises(ConfigError) as err:
        Settings(budget_cap="lots")
    assert "lots" in err.value.message and err.value.fix
    with pytest.raises(ConfigError):
        Settings(confirm_cost_above=None)
    atomic_write_json(settings_path(), {"budget_cap": "lots"})
    assert load_settings() == Settings()  # a broken file gives the defaults, never a crash
