--[[
  portrait_studio.lua: "Edit in Portrait Studio" for darktable (Lua API 7.0 or later, darktable 4.0+).

  It adds a target storage to the export module. Choose it, keep the format TIFF (the script sets 16 bits),
  press export: each selected image is exported, moved next to its original as NAME-PortraitStudio.tif,
  handed to Portrait Studio's Edit-In round trip, then imported into the library grouped with the original,
  with the original's tags, rating and colour labels.

    mode "apply"  : `portrait-studio edit FILE --apply [--preset NAME] [--backend local|cloud]`, no window:
                    the file is retouched in place (same size, 16 bits, colour profile and metadata).
    mode "window" : `portrait-studio edit FILE`: the window opens on the file in round-trip mode; adjust, Save
                    (Ctrl+S) writes back into the file, close the window, and darktable imports it.

  Install: copy this file into ~/.config/darktable/lua/ (contrib/ if you use the lua-scripts collection) and
  add `require "portrait_studio"` to ~/.config/darktable/luarc, or enable it in the script manager. Settings
  are in preferences → lua options: the command (default `portrait-studio`, or the full path of the bundle's
  executable), the mode, a preset and the backend.

  Shipped with Portrait Studio (packaging/darktable/); `luac -p` checks it in the tests. Written against the
  darktable Lua API (darktable.register_storage, darktable.database.import, image:group_with,
  darktable.control.execute); self-contained, no lua-scripts library needed.
]]

local dt = require "darktable"

local MODULE = "portrait_studio"
local SUFFIX = "-PortraitStudio"

if dt.configuration.api_version_major < 7 then
  dt.print_error(MODULE .. ": needs darktable's Lua API 7.0 or later (darktable 4.0+)")
  return
end

local function _(text)
  return dt.gettext and dt.gettext.gettext and dt.gettext.gettext(text) or text
end

local windows = dt.configuration.running_os == "windows"
local SEP = windows and "\\" or "/"

-- preferences (preferences → lua options) ---------------------------------------------------------------

dt.preferences.register(MODULE, "command", "string", _("Portrait Studio: command"),
  _("the portrait-studio command, or the full path of the installed app's executable"), "portrait-studio")
dt.preferences.register(MODULE, "mode", "enum", _("Portrait Studio: mode"),
  _("apply: retouch with the preset, no window; window: open the round-trip window, save, close"),
  "apply", "apply", "window")
dt.preferences.register(MODULE, "preset", "string", _("Portrait Studio: preset"),
  _("preset for the apply mode (empty: the app's defaults); see `portrait-studio presets list`"), "")
dt.preferences.register(MODULE, "backend", "enum", _("Portrait Studio: backend"),
  _("local: the free local engine; cloud: the Spark Edit Portrait model (paid, needs the API key)"),
  "settings", "settings", "local", "cloud")

local KINDS = { command = "string", mode = "enum", preset = "string", backend = "enum" }

local function pref(name)
  return dt.preferences.read(MODULE, name, KINDS[name])
end

-- files and commands ----------------------------------------------------------------------------------------

local function quote(text)
  if windows then
    return '"' .. text:gsub('"', '\\"') .. '"'
  end
  return "'" .. text:gsub("'", "'\\''") .. "'"
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then
    f:close()
    return true
  end
  return false
end

local function base(path)
  return path:match("([^/\\]+)$") or path
end

-- NAME-PortraitStudio.tif next to the original; -2, -3… when taken (never over a file).
local function free_name(folder, stem)
  local candidate = folder .. SEP .. stem .. SUFFIX .. ".tif"
  local n = 2
  while exists(candidate) do
    candidate = folder .. SEP .. stem .. SUFFIX .. "-" .. n .. ".tif"
    n = n + 1
  end
  return candidate
end

local function move(from, to)
  local ok = os.rename(from, to)
  if ok then
    return true
  end
  -- across file systems (the export folder is a temp folder): copy, then remove
  local src = io.open(from, "rb")
  if not src then
    return false
  end
  local dst = io.open(to, "wb")
  if not dst then
    src:close()
    return false
  end
  while true do
    local block = src:read(1048576)
    if not block then
      break
    end
    dst:write(block)
  end
  src:close()
  dst:close()
  os.remove(from)
  return true
end

local function edit_command(file)
  local parts = { quote(pref("command")), "edit", quote(file) }
  if pref("mode") == "apply" then
    table.insert(parts, "--apply")
    local preset = pref("preset")
    if preset ~= nil and preset ~= "" then
      table.insert(parts, "--preset")
      table.insert(parts, quote(preset))
    end
    local backend = pref("backend")
    if backend == "local" or backend == "cloud" then
      table.insert(parts, "--backend")
      table.insert(parts, backend)
    end
  end
  return table.concat(parts, " ")
end

-- the original's tags, rating and colour labels onto the retouched copy (darktable does not carry them)
local function carry_over(from, to)
  for _n, tag in ipairs(dt.tags.get_tags(from)) do
    if string.sub(tag.name, 1, 9) ~= "darktable" then
      dt.tags.attach(tag, to)
    end
  end
  to.rating = from.rating
  to.red, to.yellow, to.green, to.blue, to.purple = from.red, from.yellow, from.green, from.blue, from.purple
end

-- the storage -------------------------------------------------------------------------------------------------

local function supported(storage, format)
  return format.extension == "tif"  -- the round trip writes back the file's own format: TIFF here
end

local function initialize(storage, format, images, high_quality, extra_data)
  pcall(function() format.bpp = 16 end)  -- 16-bit TIFF, as Portrait Studio keeps it
  return images
end

local function show_status(storage, image, format, filename, number, total, high_quality, extra_data)
  dt.print(string.format(_("Portrait Studio: exported %d/%d"), number, total))
end

local function finalize(storage, image_table, extra_data)
  local done, failed = 0, 0
  for image, exported in pairs(image_table) do
    local stem = image.filename:match("^(.*)%.[^.]+$") or image.filename
    local target = free_name(image.path, stem)
    if not move(exported, target) then
      dt.print_error(MODULE .. ": could not move " .. exported .. " to " .. target)
      failed = failed + 1
    else
      local command = edit_command(target)
      dt.print(string.format(_("Portrait Studio: retouching %s…"), base(target)))
      dt.print_log(MODULE .. ": " .. command)
      local status = dt.control.execute(command)
      if status ~= 0 then
        -- the file stays as exported (the app never leaves half a file); it is still imported, unretouched
        dt.print(string.format(_("Portrait Studio could not retouch %s (exit %s); imported as exported"),
          base(target), tostring(status)))
        failed = failed + 1
      else
        done = done + 1
      end
      local copy = dt.database.import(target)
      if copy then
        copy:group_with(image.group_leader)
        carry_over(image, copy)
      end
    end
  end
  dt.print(string.format(_("Portrait Studio: %d retouched, %d not"), done, failed))
end

dt.register_storage(MODULE, _("Edit in Portrait Studio"), show_status, finalize, supported, initialize, nil)

-- for darktable's script manager
local script_data = {}
script_data.metadata = {
  name = _("Edit in Portrait Studio"),
  purpose = _("export to TIFF, retouch the portrait in Portrait Studio, re-import grouped with the original"),
  author = "Portrait Studio",
  help = "README.md of Portrait Studio, section \"From a photo catalog\"",
}
script_data.destroy = function() dt.destroy_storage(MODULE) end
return script_data
