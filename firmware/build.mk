# firmware/build.mk - included by the Makefile: the firmware room (its host
# library, the profile generator) and the cross builds for Cortex-M
# (`make firmware`, `make fw-size`; docs/firmware.md).

# ---- host side (the room's library, LIB_FW, is built like every room's
# by the Makefile) -----------------------------------------------------------
PROFILE_GEN := $(B)/firmware/profile-gen
$(PROFILE_GEN): $(B)/firmware/profile-gen.o $(LIB_PUMP) $(LIB_BASE)
	$(LINK) $(PKG_LIBS) $(LIBS_M)

# Every fixture profile as generated C, for tests/unit/test_profile_gen.c:
# pb_profile_gen_<id> and a NULL-terminated table of them.
GEN_IDS      := $(patsubst fixtures/pumps/%.ini,%,$(wildcard fixtures/pumps/*.ini))
GEN_PROFILES := $(patsubst %,$(B)/gen/profile_%.c,$(GEN_IDS))
GEN_OBJS     := $(patsubst %.c,%.o,$(GEN_PROFILES)) $(B)/gen/profile_table.o
gen_sym = pb_profile_gen_$(subst -,_,$(1))

$(B)/gen/profile_%.c: fixtures/pumps/%.ini $(PROFILE_GEN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PROFILE_GEN) --symbol $(call gen_sym,$*) -o $@ $<
$(B)/gen/profile_table.c: $(wildcard fixtures/pumps/*.ini) firmware/build.mk
	@mkdir -p $(@D)
	$(Q){ echo '#include <stddef.h>'; echo '#include "pump/profile.h"'; \
	  $(foreach i,$(GEN_IDS),echo 'extern const struct pb_profile $(call gen_sym,$(i));';) \
	  echo 'const struct pb_profile *const pb_profile_gen_all[] = {'; \
	  $(foreach i,$(GEN_IDS),echo '	&$(call gen_sym,$(i)),';) \
	  echo '	NULL };'; \
	  echo 'const char *const pb_profile_gen_ids[] = {'; \
	  $(foreach i,$(GEN_IDS),echo '	"$(i)",';) \
	  echo '	NULL };'; } >$@.tmp && mv $@.tmp $@
$(B)/gen/%.o: $(B)/gen/%.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/tests/unit/test_profile_gen: $(GEN_OBJS)

# The device side in its small configuration (proto/config.h) through the
# same unit tests: proto's device-side objects built again with
# PB_CONFIG_SMALL, the host-side message codec kept for the tests' host
# half (the device-only codec has its own test, test_msg_device_only).
SMALL_FLAGS := -DPB_CONFIG_SMALL -DPB_MSG_DEVICE_ONLY=0
SMALL_SRC   := proto/device.c proto/frame.c proto/cobs.c proto/crc32c.c \
	proto/msg.c
SMALL_OBJS  := $(patsubst %.c,$(B)/small/%.o,$(SMALL_SRC))
$(B)/small/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $< (small)")
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(SMALL_FLAGS) -c -o $@ $<
$(B)/tests/unit/test_device_small: $(B)/small/tests/unit/test_device.o \
	$(SMALL_OBJS) $(TEST_HELPER_OBJ)
	$(LINK) $(TEST_LIBS) $(LIBS_M)
tests: $(B)/tests/unit/test_device_small
-include $(SMALL_OBJS:.o=.d) $(B)/small/tests/unit/test_device.d

# test_msg_device_only compiles proto/msg.c a second time under other
# names: every function msg.h declares, renamed pb_x -> dev_x.
$(B)/gen/msg_rename.h: proto/msg.h
	@mkdir -p $(@D)
	$(Q)grep -oE '\bpb_[a-z_0-9]+\(' $< | tr -d '(' | sort -u | \
	  sed 's/^pb_\(.*\)/#define pb_\1 dev_\1/' >$@.tmp && mv $@.tmp $@
$(B)/tests/unit/test_msg_device_only.o: $(B)/gen/msg_rename.h
$(B)/tests/unit/test_msg_device_only.o: ALL_CFLAGS += -I$(B)/gen

# ---- the reference firmware for QEMU's mps2-an385 (Cortex-M3) -------------
# `make firmware` cross-compiles the pump's firmware program (the same
# tools/pumpsim files the emulator runs: devapp, firmware, alarms,
# regulator, eeprom, factory; proto's device side), the plant model as
# the board's "pump", and the board port, with the profile FW_PROFILE
# compiled in.  No malloc, no stdio: `make firmware` fails if the image
# links either.  docs/firmware.md.
FW_CC      ?= arm-none-eabi-gcc
FW_SIZE    ?= arm-none-eabi-size
FW_NM      ?= arm-none-eabi-nm
FW_BOARD   := mps2-an385
FW_PROFILE ?= s10pro
FW_DIR     := build/fw/$(FW_BOARD)
FW_ELF     := $(FW_DIR)/pumpfw.elf
FW_CPU     := -mcpu=cortex-m3 -mthumb
# the plant model steps at 1 kHz on the MCU (10 kHz in pumpsim), once per
# firmware tick: the soft-float model at 10 kHz would take more than an
# emulated Cortex-M3 has, and QEMU must keep up on a loaded machine
FW_DEFS    := -DPB_PLANT_DT_US=1000u \
	-DFW_PROFILE_SYMBOL=$(call gen_sym,$(FW_PROFILE))
FW_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE $(WARN) -Os -g $(FW_CPU) -ffunction-sections \
	-fdata-sections -fstack-usage -I. $(FW_DEFS) -MMD -MP
FW_LDFLAGS := $(FW_CPU) --specs=nano.specs -nostartfiles -Wl,--gc-sections \
	-T firmware/port/$(FW_BOARD)/link.ld
# the device library: proto's device side (what a pump maker links)
FW_PROTO_SRC := proto/device.c proto/frame.c proto/cobs.c proto/crc32c.c \
	proto/msg.c
# the pump's firmware program and its parts
FW_APP_SRC := tools/pumpsim/devapp.c tools/pumpsim/firmware.c \
	tools/pumpsim/alarms.c tools/pumpsim/regulator.c \
	tools/pumpsim/eeprom.c tools/pumpsim/factory.c proto/sha256.c \
	pump/profile-curve.c base/fmt.c
# the board's "pump": the emulator's plant model
FW_PLANT_SRC := tools/pumpsim/plant.c tools/pumpsim/sensor.c \
	tools/pumpsim/motor.c tools/pumpsim/pneumatics.c \
	tools/pumpsim/battery.c tools/pumpsim/rng.c
FW_PORT_SRC := $(wildcard firmware/port/$(FW_BOARD)/*.c) firmware/ring.c
FW_SRC  := $(FW_PROTO_SRC) $(FW_APP_SRC) $(FW_PLANT_SRC) $(FW_PORT_SRC)
FW_OBJS := $(patsubst %.c,$(FW_DIR)/%.o,$(FW_SRC)) \
	$(FW_DIR)/gen/profile_$(FW_PROFILE).o

# the negative control: the same image with the no-txn-dedup defect
# switched on (main.c's FW_DEFECTS), which pumphil conform must fail
FW_DEFECT_ELF := $(FW_DIR)/pumpfw-no-txn-dedup.elf
FW_DEFECT_OBJS := $(filter-out $(FW_DIR)/firmware/port/$(FW_BOARD)/main.o,\
	$(FW_OBJS)) $(FW_DIR)/main-no-txn-dedup.o

.PHONY: firmware fw-check-tools
firmware: fw-check-tools $(FW_ELF) $(FW_DEFECT_ELF)
	$(Q)$(FW_SIZE) $(FW_ELF)
fw-check-tools:
	@command -v $(FW_CC) >/dev/null || { echo "make firmware: $(FW_CC) \
	not found; tools/install-deps installs it (gcc-arm-none-eabi)" >&2; \
	exit 1; }

# the flags live in this file: a change rebuilds the image
$(FW_OBJS) $(FW_DIR)/main-no-txn-dedup.o: firmware/build.mk
$(FW_DIR)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  ARMCC   $<")
	$(Q)$(FW_CC) $(FW_CFLAGS) -c -o $@ $<
$(FW_DIR)/gen/profile_%.o: $(B)/gen/profile_%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  ARMCC   $<")
	$(Q)$(FW_CC) $(FW_CFLAGS) -c -o $@ $<
$(FW_ELF): $(FW_OBJS) firmware/port/$(FW_BOARD)/link.ld
	@$(if $(Q),echo "  ARMLD   $@")
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(basename $@).map -o $@.tmp $(FW_OBJS) -lm
	$(Q)if $(FW_NM) $@.tmp | grep -qwE 'malloc|_malloc_r|_sbrk|printf|_printf_r|fopen'; then \
	  echo "$@: links malloc or stdio:" >&2; \
	  $(FW_NM) $@.tmp | grep -wE 'malloc|_malloc_r|_sbrk|printf|_printf_r|fopen' >&2; \
	  rm -f $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@
$(FW_DIR)/main-no-txn-dedup.o: firmware/port/$(FW_BOARD)/main.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  ARMCC   $< (no-txn-dedup)")
	$(Q)$(FW_CC) $(FW_CFLAGS) -DFW_DEFECTS=PB_DEF_NO_TXN_DEDUP -c -o $@ $<
$(FW_DEFECT_ELF): $(FW_DEFECT_OBJS) firmware/port/$(FW_BOARD)/link.ld
	@$(if $(Q),echo "  ARMLD   $@")
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(basename $@).map -o $@ $(FW_DEFECT_OBJS) -lm
-include $(FW_OBJS:.o=.d) $(FW_DIR)/main-no-txn-dedup.d

# the tests run the firmware in QEMU (tests/e2e/fw_qemu.sh): built with
# them wherever the cross compiler is (tools/install-deps installs it; the
# test says loudly when it is skipped)
ifneq ($(shell command -v $(FW_CC) 2>/dev/null),)
tests: $(FW_ELF) $(FW_DEFECT_ELF)
endif
