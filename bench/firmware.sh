#!/bin/sh
# bench/firmware.sh - footprint of the device side on Cortex-M0+, M3 and
# M4F, measured with arm-none-eabi-gcc 12 (-Os, -ffunction-sections,
# --gc-sections, newlib-nano) and arm-none-eabi-size; worst-case stack
# from GCC's call graphs (-fcallgraph-info=su, bench/fw/stack.awk).
#
#   sh bench/firmware.sh          (make bench runs it)
#
# Two programs, each in the small (PB_CONFIG_SMALL) and default
# configurations of proto/config.h:
#   device library: proto's device side (device, frame, cobs, crc32c,
#     msg) in the smallest complete device, bench/fw/device-min.c (HELLO,
#     READ_INFO, DEVICE_STATS, heartbeats, watchdog, a UART register);
#   reference firmware: everything `make firmware` links (the pump's
#     firmware program, controller, alarms, records, factory with
#     SHA-256, the plant model as its pump, the mps2-an385 port).
# flash = .text + .rodata + .data (+ .ARM.exidx); RAM = .data + .bss; the
# firmware's record-store and key sectors are not counted.  Stack: the
# deepest chain from main (firmware: from reset, plus the deepest
# interrupt handler and the exception frame, 32 bytes, 104 with the
# M4F's FPU registers), through the handlers registered as function
# pointers; library leaves without a call graph (memcpy, the soft-float
# helpers) count as 0.
set -u
B=${B:-build/rel}
out=build/fw-bench
CC=${FW_CC:-arm-none-eabi-gcc}
SIZE=${FW_SIZE:-arm-none-eabi-size}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "*** $CC absent: firmware footprint SKIPPED (run tools/install-deps) ***"
	exit 0
fi
make --no-print-directory -s "$B/gen/profile_s10pro.c" || exit 1

LIB="proto/device.c proto/frame.c proto/cobs.c proto/crc32c.c proto/msg.c"
APP="tools/pumpsim/devapp.c tools/pumpsim/firmware.c tools/pumpsim/alarms.c
	tools/pumpsim/regulator.c tools/pumpsim/eeprom.c tools/pumpsim/factory.c
	proto/sha256.c pump/profile-curve.c base/fmt.c"
PLANT="tools/pumpsim/plant.c tools/pumpsim/sensor.c tools/pumpsim/motor.c
	tools/pumpsim/pneumatics.c tools/pumpsim/battery.c tools/pumpsim/rng.c"
PORT="firmware/port/mps2-an385/startup.c firmware/port/mps2-an385/board.c
	firmware/port/mps2-an385/nvflash.c firmware/port/mps2-an385/main.c
	firmware/ring.c"

cpuflags() {
	case $1 in
	M0+) echo "-mcpu=cortex-m0plus -mthumb" ;;
	M3)  echo "-mcpu=cortex-m3 -mthumb" ;;
	M4F) echo "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
	esac
}

# build DIR "CFLAGS" SOURCES...: objects (and .ci graphs) into DIR
build() {
	_d=$1 _f=$2; shift 2
	mkdir -p "$_d"
	for _s in "$@"; do
		_o="$_d/$(echo "$_s" | tr / _).o"
		# shellcheck disable=SC2086
		(cd "$_d" && "$CC" -std=c11 -D_DEFAULT_SOURCE -Os -g0 \
		    -ffunction-sections -fdata-sections -fcallgraph-info=su \
		    -I"$OLDPWD" $_f -c "$OLDPWD/$_s" -o "$OLDPWD/$_o") || return 1
	done
}

# bytes of the sections of ELF matching the awk regex RE
secsize() {
	"$SIZE" -A "$1" | awk -v re="$2" '$1 ~ re { n += $2 } END { print n + 0 }'
}

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

echo "| program | config | CPU | flash | RAM | worst stack |"
echo "|---|---|---|---|---|---|"
for prog in lib fw; do
	for cfg in small default; do
		for cpu in M0+ M3 M4F; do
			d="$out/$prog-$cfg-$(echo $cpu | tr -d +)"
			rm -rf "$d"
			f="$(cpuflags $cpu)"
			[ $cfg = small ] && f="$f -DPB_CONFIG_SMALL"
			if [ $prog = lib ]; then
				# shellcheck disable=SC2086
				build "$d" "$f" $LIB bench/fw/device-min.c || exit 1
				# shellcheck disable=SC2086
				"$CC" $f --specs=nano.specs -nostartfiles \
				    -Wl,--gc-sections -Wl,-e,main -o "$d/a.elf" \
				    "$d"/*.o || exit 1
				st=$(awk -v root=main -v indirect="pb_decoder_feed:on_frame on_frame:handler" \
				    -f bench/fw/stack.awk "$d"/*.ci)
				name="device library"
			else
				f="$f -DPB_PLANT_DT_US=1000u -DFW_PROFILE_SYMBOL=pb_profile_gen_s10pro"
				# shellcheck disable=SC2086
				build "$d" "$f" $LIB $APP $PLANT $PORT \
				    "$B/gen/profile_s10pro.c" || exit 1
				# shellcheck disable=SC2086
				"$CC" $f --specs=nano.specs -nostartfiles \
				    -Wl,--gc-sections \
				    -T firmware/port/mps2-an385/link.ld \
				    -o "$d/a.elf" "$d"/*.o -lm || exit 1
				ind="pb_decoder_feed:on_frame on_frame:cmd_handler sense:hal_sense pb_devapp_control:hal_drive cmd_handler:hal_random program:pb_board_nv_persist note:factory_note"
				st=$(awk -v root=pb_reset_handler -v indirect="$ind" \
				    -f bench/fw/stack.awk "$d"/*.ci)
				isr=$(awk -v root=pb_board_uart0_rx_irq \
				    -f bench/fw/stack.awk "$d"/*.ci | cut -d' ' -f1)
				isr2=$(awk -v root=pb_board_systick_irq \
				    -f bench/fw/stack.awk "$d"/*.ci | cut -d' ' -f1)
				[ "$isr2" -gt "$isr" ] 2>/dev/null && isr=$isr2
				# the exception frame: 8 words, 26 with the FPU's
				# registers (lazy stacking reserves them on M4F)
				fr=32; [ $cpu = M4F ] && fr=104
				st="$(( ${st%% *} + isr + fr )) ${st#* } (+ interrupt $isr + frame $fr)"
				name="reference firmware"
			fi
			flash=$(secsize "$d/a.elf" '^\.(text|rodata|data|ARM\.exidx)')
			ram=$(secsize "$d/a.elf" '^\.(data|bss)$')
			echo "| $name | $cfg | $cpu | $flash B ($(kb $flash)) | $ram B ($(kb $ram)) | ${st%% *} B |"
			echo "$name $cfg $cpu: ${st#* }" >>"$out/stack-paths.txt.new"
		done
	done
done
mv "$out/stack-paths.txt.new" "$out/stack-paths.txt"
echo
echo "deepest chains: $out/stack-paths.txt"
echo "command: sh bench/firmware.sh   ($("$CC" --version | head -n 1))"
