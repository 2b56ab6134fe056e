--@name nominal_s21
--@profile s21
--@timeout 1200
--@description every mode x level of the S21-class wearable: peak vacuum and
--@description cycle rate within the profile's acceptance tolerances
local hil = import("lib/hil.lua")

log("DUT", dut.serial, dut.firmware, "profile", spec.id, spec.levels, "levels")
trace("vacuum1", {period = 0.02})
for level = 1, spec.levels do
  hil.check_point("stimulation", level)
  hil.check_point("expression", level)
  hil.check_mixed(level)
end
hil.expect_vented_level("vented after the sweep")
