--@name overpressure_trip
--@profile s21
--@defect no-overpressure-trip
--@timeout 60
--@description a sensor reading above the absolute trip (320 mmHg) must stop
--@description the motor and vent within 100 ms, measured on the rig's valve
--@description and motor lines, and latch the overpressure fault
local hil = import("lib/hil.lua")

trace("valve1", {period = 0.001})
trace("motor", {period = 0.001})
trace("inject1", {period = 0.001})
hil.start("expression", 5)
wait(3)
-- Step the reading at the start of a hold (motor stopped, valve closed):
-- the pump is holding vacuum, and only the overpressure detector can vent
-- it now (a rising reading later in the hold would be an occlusion).
assert(hil.wait_hold(3), "the pump never reached a hold phase")
inject.set(1, spec.trip_abs + 20, "mmHg")
local t = hil.time_to_safe(1.0, 1.0)
expect("vented after the reading passed the trip", t,
       {unit = "s", low = 0, high = 0.100, marginal_high = 0.080})
hil.expect_alarm("overpressure", 0.5)
expect("state latched as fault", pump.status().state == "fault")
inject.off(1)
hil.expect_stays_safe(2)
local ok, why = pump.start()
expect("start refused while the fault is latched", not ok)
log("start while latched:", why)
