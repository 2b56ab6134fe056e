#!/bin/sh
# Calibration: 50 emulated units with random sensor errors on the simulated
# rig; distribution of the calibrated error and the pump time per unit.
set -eu
B=${B:-build/rel}
echo "command: $B/bench/bench_calibration 50 s10pro"
"$B/bench/bench_calibration" 50 s10pro | tail -n 9
