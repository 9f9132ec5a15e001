"""packaging/darktable/portrait_studio.lua: it compiles (`luac -p`, Debian's lua5.4), and run by the real Lua
interpreter against a stand-in for darktable's Lua API (darktable is not installed here; the stand-in
records what the script asks of darktable and runs its commands for real), its export storage moves the
exported TIFF beside the original, runs the real `portrait-studio edit --apply` on it and imports the
retouched file grouped with the original, with its tags, rating and colour labels."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile

from tests.core import icc_profiles
from tests.photos import large_portrait

SCRIPT = Path(__file__).resolve().parents[1] / "packaging" / "darktable" / "portrait_studio.lua"

# What the script uses of darktable's Lua API (docs.darktable.org/lua/stable/lua.api.manual), recorded.
FAKE_DARKTABLE = r"""
local log = {}
local imported = nil
local prefs = {}
local storage = {}
local dt = {
  configuration = { api_version_major = 9, running_os = "linux" },
  preferences = {
    register = function(module, name, kind, label, tip, default) prefs[name] = prefs[name] or default end,
    read = function(module, name, kind) return prefs[name] end,
  },
  print = function(text) table.insert(log, "print: " .. text) end,
  print_log = function(text) table.insert(log, "log: " .. text) end,
  print_error = function(text) table.insert(log, "error: " .. text) end,
  control = {
    execute = function(command)
      local ok, how, code = os.execute(command)
      return code
    end,
  },
  tags = {
    get_tags = function(image) return image.tags end,
    attach = function(tag, image) table.insert(image.tags, tag) end,
  },
  database = {
    import = function(path)
      local image = { path = path, tags = {} }
      function image:group_with(leader) self.leader = leader end
      table.insert(log, "import: " .. path)
      imported = image
      return image
    end,
  },
  register_storage = function(name, label, store, finalize, supported, initialize, widget)
    storage = { name = name, label = label, store = store, finalize = finalize, supported = supported,
                initialize = initialize }
  end,
  destroy_storage = function(name) end,
}
package.preload["darktable"] = function() return dt end
prefs.command, prefs.preset, prefs.backend = arg[1], "Natural", "local"

local script = dofile(arg[2])
local original = { path = arg[3], filename = "IMG_0007.CR3", rating = 4, red = true, yellow = false,
                   green = false, blue = true, purple = false, tags = { { name = "wedding" },
                   { name = "darktable|format|cr3" } } }
original.group_leader = original
local format = { extension = "tif", bpp = 8 }
print("label=" .. storage.label)
print("supports tif=" .. tostring(storage.supported(storage, format)) ..
      " jpg=" .. tostring(storage.supported(storage, { extension = "jpg" })))
storage.initialize(storage, format, { original }, true, nil)
print("bpp=" .. format.bpp)
storage.finalize(storage, { [original] = arg[4] }, nil)
for _n, line in ipairs(log) do print(line) end
local names = {}
for _n, tag in ipairs(imported.tags) do table.insert(names, tag.name) end
print("grouped=" .. tostring(imported.leader == original) .. " tags=" .. table.concat(names, ",") ..
      " rating=" .. imported.rating .. " red=" .. tostring(imported.red) ..
      " blue=" .. tostring(imported.blue))
print("metadata=" .. script.metadata.name)
"""


def lua(tool: str) -> str:
    for name in (f"{tool}5.4", tool, f"{tool}5.3"):
        if found := shutil.which(name):
            return found
    raise AssertionError(f"{tool} is missing: apt-get install lua5.4 (make test installs it as root)")


def test_the_darktable_script_compiles_with_luac():
    run = subprocess.run([lua("luac"), "-p", str(SCRIPT)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_darktable_storage_retouches_the_export_in_place_and_imports_it_grouped(tmp_path: Path):
    library = tmp_path / "photos"
    library.mkdir()
    exported = tmp_path / "darktable-export" / "IMG_0007.tif"  # darktable exports into a folder of its own
    exported.parent.mkdir()
    px = large_portrait((1500, 1000)).astype(np.uint16) * 257
    tifffile.imwrite(exported, px, photometric="rgb", iccprofile=icc_profiles.adobe_rgb(), metadata=None)
    before = tifffile.imread(exported)
    command = tmp_path / "bin" / "portrait-studio"  # what the user's PATH would hold
    command.parent.mkdir()
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m portrait_studio "$@"\n')
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    fake = tmp_path / "fake_darktable.lua"
    fake.write_text(FAKE_DARKTABLE)
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[2])}
    run = subprocess.run(
        [lua("lua"), str(fake), str(command), str(SCRIPT), str(library), str(exported)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout.splitlines()
    assert "label=Edit in Portrait Studio" in out
    assert "supports tif=true jpg=false" in out and "bpp=16" in out
    target = library / "IMG_0007-PortraitStudio.tif"
    assert f"import: {target}" in out
    assert not exported.exists() and sorted(p.name for p in library.iterdir()) == [target.name]
    assert any("Portrait Studio: 1 retouched, 0 not" in line for line in out), out
    after = tifffile.imread(target)
    assert after.dtype == np.uint16 and after.shape == before.shape and not np.array_equal(after, before)
    with tifffile.TiffFile(target) as tif:
        assert bytes(tif.pages[0].tags[34675].value) == icc_profiles.adobe_rgb()
    assert "grouped=true tags=wedding rating=4 red=true blue=true" in out  # not darktable's own tags
    assert any("--preset 'Natural'" in line and "--backend local" in line for line in out if "log:" in line)
