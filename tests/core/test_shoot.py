"""core/shoot.py: the remembered shoot survives a round trip, a damaged file, and a damaged photo in it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from portrait_studio.core.params import EditParams
from portrait_studio.core.shoot import Shoot, ShootPhoto, ShootStore


def test_a_shoot_comes_back_as_it_was_saved_with_money_as_decimal(tmp_path):
    store = ShootStore(tmp_path / "shoot.json")
    photos = (
        ShootPhoto(
            tmp_path / "a.jpg", EditParams(gpen=0.3, seed=7), tmp_path / "r.jpg", "t1", Decimal("0.035")
        ),
        ShootPhoto(tmp_path / "b.jpg"),
    )
    store.save(Shoot(photos, current=1))
    assert store.load() == Shoot(photos, current=1)
    assert json.loads(store.path.read_text())["photos"][0]["cost"] == "0.035"  # a string, never a float


def test_a_damaged_file_or_photo_is_left_out_and_never_raises(tmp_path):
    store = ShootStore(tmp_path / "shoot.json")
    assert store.load() == Shoot()  # none yet
    store.path.write_text("{not json")
    assert store.load() == Shoot()
    store.path.write_text(
        json.dumps(
            {
                "photos": [{"nopath": 1}, {"path": "x.jpg", "params": {"gpen": 7}}, {"path": "ok.jpg"}],
                "current": 9,
            }
        )
    )
    assert store.load() == Shoot((ShootPhoto(Path("ok.jpg")),), current=0)
    store.clear()
    assert store.load() == Shoot()
