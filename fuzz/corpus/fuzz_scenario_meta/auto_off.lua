--@name auto_off
--@profile s21
--@defect no-auto-off
--@timeout 2000
--@description a session ends by itself after 30 minutes: state off, vented,
--@description auto-off event; not before
local hil = import("lib/hil.lua")

hil.start("expression", 3)
local t0 = now()
wait(spec.auto_off_s - 5)
expect("still running 5 s before auto-off", pump.status().state == "running")
local ok = wait_until(function() return pump.status().state == "off" end, 10)
expect("session ended", ok)
local took = now() - t0
expect("session length", took, {unit = "s", low = spec.auto_off_s,
       high = spec.auto_off_s + 1})
expect("auto-off event", #pump.events("auto_off"), {low = 1, high = 1})
hil.expect_safe_within("vented after auto-off", 0.5, 2)
