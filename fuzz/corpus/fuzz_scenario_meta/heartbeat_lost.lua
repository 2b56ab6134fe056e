--@name heartbeat_lost
--@profile s10pro
--@defect no-heartbeat-safe
--@timeout 60
--@description the host goes silent: 1 s without a heartbeat the pump must
--@description stop and vent by itself (measured on the rig's lines while
--@description the host says nothing), and report heartbeat-lost afterwards;
--@description it stays stopped when the host speaks again
local hil = import("lib/hil.lua")

assert(pump.channels("double"))
hil.start("expression", 5)
wait(3)
link.mute(true)
local t = hil.time_to_safe(4, 1.5)
link.mute(false)
local limit = spec.heartbeat_timeout_ms / 1000
expect("vented after the host went silent", t, {unit = "s",
       low = limit - 0.3, high = limit + 0.3, marginal_high = limit + 0.2})
wait(0.5)
expect("heartbeat-lost reported", hil.event_seen("alarm_raised", "heartbeat-lost"))
expect("not running", pump.status().state ~= "running")
