--@name level_limits
--@profile s21
--@timeout 60
--@description the host cannot command a level or mode the pump does not
--@description have, and the top level stays below the software maximum
local hil = import("lib/hil.lua")

local ok, why = pump.level(spec.levels + 1)
expect("level above the top refused", not ok)
log("level", spec.levels + 1, "->", why)
ok, why = pump.level(0)
expect("level 0 refused", not ok)
log("level 0 ->", why)
hil.start("expression", spec.levels)
wait(4)
local peak = measure.peak(1, 10)
expect("top level peak within the software maximum", peak, {unit = "mmHg",
       high = spec.max_target + 0.5 * spec.tol_peak, marginal_high = spec.max_target})
expect("no alarm at the top level", #pump.status().alarms, {low = 0, high = 0})
pump.stop()
