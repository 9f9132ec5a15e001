"""Preset store: built-ins, round trip, broken files, concurrent saves — on real files."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import config_dir
from portrait_studio.core.presets import PresetError, PresetStore, read_preset_file


def test_builtins_load_and_are_distinct():
    store = PresetStore()
    presets = store.list()
    assert store.problems == []
    names = [p.name for p in presets]
    assert {"Natural", "Studio", "Soft glow", "Clean skin"} <= set(names)
    assert all(p.builtin for p in presets)
    looks = {(p.params.gpen, p.params.skin, p.params.skin_unifi) for p in presets}
    assert len(looks) == len(presets), "two built-ins with the same values"
    assert all(p.description for p in presets)
    # No built-in pins a square size any more: each follows the photo, and gives a full-size result.
    assert all(p.params.follows_photo and p.result_size == "original" for p in presets)


def test_a_preset_carries_the_result_size(tmp_path: Path):
    store = PresetStore()
    square = EditParams(gpen=0.5, width=1328, height=1328)
    saved = store.save("Square proof", square, result_size="model")
    assert json.loads(saved.path.read_text())["result_size"] == "model"
    assert PresetStore().get("square proof").result_size == "model"
    out = store.export("Square proof", tmp_path / "proof.json")
    assert store.import_file(out, name="Proof 2").result_size == "model"
    assert store.rename("Proof 2", "Proof 3").result_size == "model"
    # A file from before the choice existed is read as the default, the original's size.
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema": 1, "name": "Old", "params": {"gpen": 0.3}}))
    assert read_preset_file(old).result_size == "original"
    old.write_text(json.dumps({"schema": 1, "name": "Odd", "params": {}, "result_size": "huge"}))
    with pytest.raises(PresetError, match="result_size must be"):
        read_preset_file(old)
    with pytest.raises(PresetError, match="result_size must be"):
        store.save("Bad", square, result_size="full")


def test_round_trip_save_get_export_import(tmp_path: Path):
    store = PresetStore()
    params = EditParams(gpen=0.7, skin=0.2, skin_unifi=0.5, width=1024, height=1536, seed=42, prompt="studio")
    saved = store.save("Wedding  soft", params, "for the Smith wedding")
    assert saved.name == "Wedding soft"  # spaces collapsed
    assert saved.path is not None and saved.path.parent == config_dir() / "presets"
    # A fresh store (another window, or after a restart) reads the same thing back, case-insensitively.
    again = PresetStore().get("WEDDING SOFT")
    assert again.params == params and again.description == "for the Smith wedding" and not again.builtin
    out = store.export("wedding soft", tmp_path / "share" / "w.json")
    assert json.loads(out.read_text())["schema"] == 1
    store.delete("Wedding soft")
    with pytest.raises(PresetError, match="no preset called"):
        store.get("Wedding soft")
    imported = store.import_file(out)
    assert imported.params == params
    assert store.get("wedding soft").params == params


def test_builtins_cannot_be_overwritten_deleted_or_renamed():
    store = PresetStore()
    with pytest.raises(PresetError, match="built-in"):
        store.save("studio", EditParams())
    with pytest.raises(PresetError, match="built-in"):
        store.delete("Studio")
    with pytest.raises(PresetError, match="built-in"):
        store.rename("Natural", "Mine")
    assert store.get("Studio").builtin


def test_rename_moves_the_preset_and_refuses_clashes():
    store = PresetStore()
    store.save("A", EditParams(gpen=0.1))
    store.save("B", EditParams(gpen=0.2))
    with pytest.raises(PresetError, match="already exists"):
        store.rename("A", "b")
    store.rename("A", "C")
    assert store.get("C").params.gpen == 0.1
    with pytest.raises(PresetError):
        store.get("A")
    assert len(list((config_dir() / "presets").glob("*.json"))) == 2


def test_broken_files_are_reported_and_skipped():
    store = PresetStore()
    store.save("Good", EditParams(skin=0.9))
    folder = config_dir() / "presets"
    (folder / "bad-json.json").write_text("{not json", encoding="utf-8")
    (folder / "bad-param.json").write_text(
        json.dumps({"schema": 1, "name": "Bad", "params": {"gpen": 7}}), encoding="utf-8"
    )
    (folder / "future.json").write_text(
        json.dumps({"schema": 99, "name": "Future", "params": {}}), encoding="utf-8"
    )
    (folder / "list.json").write_text("[1, 2]", encoding="utf-8")
    names = store.names()
    assert "Good" in names and "Bad" not in names and "Future" not in names
    problems = {p.path.name: p.message for p in store.problems}
    assert set(problems) == {"bad-json.json", "bad-param.json", "future.json", "list.json"}
    assert "not valid JSON" in problems["bad-json.json"]
    assert "gpen" in problems["bad-param.json"]
    assert "newer" in problems["future.json"]
    with pytest.raises(PresetError, match="not valid JSON") as info:
        read_preset_file(folder / "bad-json.json")
    assert info.value.fix


def test_bad_names_are_refused():
    store = PresetStore()
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(PresetError):
            store.save(bad, EditParams())


def test_change_callbacks():
    store = PresetStore()
    calls: list[int] = []
    unsubscribe = store.subscribe(lambda: calls.append(1))
    store.save("X", EditParams())
    store.delete("X")
    unsubscribe()
    store.save("Y", EditParams())
    assert len(calls) == 2


def test_concurrent_saves_from_threads_all_land_whole():
    store = PresetStore()
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for round_ in range(5):
                # Everyone also hammers one shared name: last writer wins, but the file is never torn.
                store.save("Shared", EditParams(gpen=round(0.1 * (i % 10), 1)))
                store.save(f"T{i}", EditParams(seed=i * 100 + round_))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fresh = PresetStore()
    assert {f"T{i}" for i in range(8)} | {"Shared"} <= set(fresh.names())
    assert fresh.problems == []
    assert [fresh.get(f"T{i}").params.seed for i in range(8)] == [i * 100 + 4 for i in range(8)]
    leftovers = [p for p in (config_dir() / "presets").iterdir() if not p.name.endswith(".json")]
    assert leftovers == []


def _save_in_process(root: str, i: int) -> None:
    import os

    os.environ["PORTRAIT_STUDIO_DATA_DIR"] = root
    store = PresetStore()
    for round_ in range(10):
        store.save("Shared", EditParams(skin=0.1 * (i % 10)))
        store.save(f"P{i}", EditParams(seed=round_))


def test_concurrent_saves_from_processes(isolated_app_dirs: Path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_in_process, args=(str(isolated_app_dirs), i)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = PresetStore()
    assert {"P0", "P1", "P2", "P3", "Shared"} <= set(store.names())
    assert store.problems == []
    assert store.get("P3").params.seed == 9
