from pathlib import Path

from portrait_studio.core import paths


def test_dirs_follow_override(isolated_app_dirs: Path):
    for fn, name in ((paths.config_dir, "config"), (paths.data_dir, "data"), (paths.cache_dir, "cache")):
        d = fn()
        assert d == isolated_app_dirs / name and d.is_dir()


def test_platform_dirs_without_override(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTRAIT_STUDIO_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert paths.data_dir() == tmp_path / "xdg-data" / "portrait-studio"
    assert paths.config_dir() == tmp_path / "xdg-config" / "portrait-studio"
    assert paths.cache_dir() == tmp_path / "xdg-cache" / "portrait-studio"


def test_resources_dir_exists():
    assert (paths.resources_dir() / "presets").is_dir()
