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
