--@name sensor_drift
--@profile s10pro
--@requires sim
--@timeout 600
--@description the pump's sensor drifts by 3 mmHg per minute; the rig's
--@description reference transducer measures how far the delivered vacuum
--@description wanders from the target, and the telemetry-vs-reference gap
--@description shows the drift itself (marginal once it passes 10 mmHg)
local hil = import("lib/hil.lua")

assert(pump.channels("single"))
hil.start("expression", 5)
wait(5)
local p = spec.peak("expression", 5)
local before = measure.cycles(1, 8)
expect("peak before the drift", before.peak, {unit = "mmHg", nominal = p,
       tol = spec.tol_peak, marginal_tol = 0.5 * spec.tol_peak})
sim.fault("sensor_drift", 30, 1)   -- 0.1 mmHg per minute units: 3 mmHg/min
-- the stimulation->expression switch is not at play: expression already
for minute = 1, 4 do
  pump.stop(); hil.start("expression", 5)   -- a session per minute
  wait(50)
  local c = measure.cycles(1, 8)
  expect(string.format("peak after %d min of drift", minute), c.peak,
         {unit = "mmHg", nominal = p, tol = spec.tol_peak,
          marginal_tol = 0.5 * spec.tol_peak})
end
-- pump's reading vs the rig's reference, vented (at rest): the drift
pump.stop()
wait(2)
local dut_reading = pump.status().vacuum[1]
local ref = measure.mean(1, 0.5)
expect("sensor drift seen by the rig", dut_reading - ref, {unit = "mmHg",
       nominal = 0, tol = spec.tol_peak, marginal_tol = 10})
sim.clear()
