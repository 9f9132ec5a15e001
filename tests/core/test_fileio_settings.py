import pytest

from portrait_studio.core.fileio import atomic_open, atomic_write_bytes, atomic_write_json, unique_path
from portrait_studio.core.settings import Settings, load_settings, save_settings, settings_path


def test_atomic_write_replaces_whole_file(tmp_path):
    p = atomic_write_bytes(tmp_path / "a.bin", b"old")
    atomic_write_bytes(p, b"new contents")
    assert p.read_bytes() == b"new contents"
    assert [x.name for x in tmp_path.iterdir()] == ["a.bin"]


def test_failed_write_leaves_original_and_no_temp(tmp_path):
    p = atomic_write_bytes(tmp_path / "a.bin", b"keep me")
    with pytest.raises(RuntimeError), atomic_open(p) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert p.read_bytes() == b"keep me"
    assert [x.name for x in tmp_path.iterdir()] == ["a.bin"]


def test_atomic_file_gets_the_permissions_of_a_plain_open(tmp_path):
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(b"x")
    p = atomic_write_bytes(tmp_path / "photo.jpg", b"x")
    assert p.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_unique_path(tmp_path):
    a = tmp_path / "photo.retouched.jpg"
    assert unique_path(a) == a
    a.write_bytes(b"x")
    assert unique_path(a).name == "photo.retouched-2.jpg"


def test_settings_round_trip_and_broken_file():
    assert load_settings() == Settings()
    s = Settings(backend="cloud", base_url="http://127.0.0.1:9", budget_cap=5.0)
    save_settings(s)
    assert load_settings() == s
    settings_path().write_text("{not json")
    assert load_settings() == Settings()
    atomic_write_json(settings_path(), {"backend": "mars"})
    assert load_settings() == Settings()


def test_only_a_durable_write_waits_for_the_disk(tmp_path, monkeypatch):
    import os

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    atomic_write_bytes(tmp_path / "photo.jpg", b"the user's file")
    assert len(synced) == 1
    cached = atomic_write_bytes(tmp_path / "cache.jpg", b"old", durable=False)
    atomic_write_bytes(cached, b"a copy that can be made again", durable=False)
    assert len(synced) == 1  # no fsync, but still all-or-nothing: the whole new file, no temp left
    assert cached.read_bytes() == b"a copy that can be made again"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["cache.jpg", "photo.jpg"]
