# pumpbench - a plain Makefile with pkg-config.
#
#   make            build bin/pumpbench, bin/pumpsim, bin/pumphil
#   make run        install missing packages, build, open the dashboard on
#                   the emulated double pump
#   make check      install missing packages, check the doors between rooms,
#                   build, run every test
#   make doors      only the doors: no file includes a room it may not use
#   make bench      benchmarks (results go to docs/BENCHMARKS.md by hand)
#   make fuzz       build the libFuzzer targets, run each FUZZ_SECONDS
#   make mutate     mutation testing of the firmware (MUTANTS=all, fast or
#                   ids; docs/verification.md)
#   make install    PREFIX=/usr/local DESTDIR= (programs, data, man pages,
#                   docs, completion, udev rules; layout below, "install")
#   make uninstall  the same PREFIX and DESTDIR
#   make deb        the Debian package, build/deb/pumpbench_*.deb
#                   (tools/make-deb, docs/packaging.md)
#
# Options: WERROR=1 (warnings are errors), SANITIZE=1 (ASan + UBSan, built
# into build/san with binaries in build/san/bin), V=1 (show commands).

PREFIX   ?= /usr/local
DESTDIR  ?=
DATADIR  ?= $(PREFIX)/share/pumpbench
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/pumpbench
CC       ?= cc
PKG_CONFIG ?= pkg-config
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 20

ifeq ($(SANITIZE),1)
B   := build/san
BIN := build/san/bin
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined
else
B   := build/rel
BIN := bin
SAN :=
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS      := ncursesw libserialport libftdi1 inih lua5.4 libcrypto json-c \
	sqlite3 libpq
TEST_PKGS := check umockdev-1.0

# pkg-config is asked lazily so that `make clean` works without packages.
PKG_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) $(CFLAGS) \
	$(SAN) -I. -DPB_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
LIBS_M := -lm -lpthread

# ---- sources: one module per file, grouped in rooms ----------------------
BASE_SRC  := $(wildcard base/*.c)
PROTO_SRC := $(wildcard proto/*.c)
PUMP_SRC  := $(wildcard pump/*.c)
SIM_SRC   := $(filter-out tools/pumpsim/main.c,$(wildcard tools/pumpsim/*.c))
CAL_SRC   := $(wildcard cal/*.c)
STORE_SRC := $(wildcard store/*.c)
TUI_SRC   := $(filter-out tui/main.c,$(wildcard tui/*.c))
HIL_SRC   := $(filter-out hil/main.c,$(wildcard hil/*.c))
FW_SRC    := $(filter-out firmware/profile-gen.c,$(wildcard firmware/*.c))
MAIN_SRC  := tools/pumpsim/main.c tui/main.c hil/main.c firmware/profile-gen.c
ROOMS     := BASE PROTO PUMP FW SIM CAL STORE TUI HIL
LIB_SRC   := $(foreach r,$(ROOMS),$($(r)_SRC))

obj  = $(patsubst %.c,$(B)/%.o,$(1))
fobj = $(patsubst %.c,build/fuzz/obj/%.o,$(1))

LIB_BASE  := $(B)/libpbbase.a
LIB_PROTO := $(B)/libpbproto.a
LIB_PUMP  := $(B)/libpbpump.a
LIB_SIM   := $(B)/libpbsim.a
LIB_CAL   := $(B)/libpbcal.a
LIB_STORE := $(B)/libpbstore.a
LIB_TUI   := $(B)/libpbtui.a
LIB_HIL   := $(B)/libpbhil.a
LIB_FW    := $(B)/libpbfw.a
ALL_LIBS  := $(LIB_HIL) $(LIB_TUI) $(LIB_STORE) $(LIB_CAL) $(LIB_SIM) \
	$(LIB_FW) $(LIB_PUMP) $(LIB_PROTO) $(LIB_BASE)

PROGS := $(BIN)/pumpbench $(BIN)/pumpsim $(BIN)/pumphil
# man pages (mdoc), checked by tools/check-man in make check
MAN1 := man/pumpbench.1 man/pumpsim.1 man/pumphil.1
MAN7 := man/pumpbench-protocol.7
# Programs find their data beside them (base/datadir.h): bin/../fixtures
# in the build tree.  The sanitizer build's programs get the same through
# a link, build/san/fixtures -> the checkout's fixtures/.
ifneq ($(BIN),bin)
BUILD_DATA := $(BIN)/../fixtures
endif

# ---- tests, benches, fuzzers ---------------------------------------------
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
MOCK_SRC  := $(wildcard tests/mock/test_*.c)
TEST_HELPER_SRC := $(wildcard tests/lib/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRC))
MOCK_BINS := $(patsubst tests/mock/%.c,$(B)/tests/mock/%,$(MOCK_SRC))
TEST_TOOLS_SRC := $(wildcard tests/tools/*.c)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TEST_TOOLS_SRC))
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
# the same room archives, built with the fuzz flags
fuzzlib = $(patsubst $(B)/%,build/fuzz/%,$(1))
FUZZ_LIBS := $(call fuzzlib,$(ALL_LIBS))

# keep objects of test programs (make would treat them as intermediate)
.SECONDARY:

.PHONY: all run check tests bench fuzz mutate clean install uninstall deps \
	doors structure deb \
	base proto sim tui hil cal store

all: $(PROGS) $(BUILD_DATA)

deps:
	$(Q)tools/install-deps

# includes cross only the doors in docs/architecture.md (the linker sees
# calls, not header-only use)
doors:
	$(Q)tools/check-doors

# no product file over 1200 lines, no function over 150 (the named
# exceptions are listed, with reasons, in the script)
structure:
	$(Q)tools/check-structure

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(BIN)/pumpbench --sim s10pro

check: deps doors structure
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)BIN=$(BIN) B=$(B) SANITIZE=$(SANITIZE) tools/run-tests

tests: $(PROGS) $(UNIT_BINS) $(MOCK_BINS) $(TEST_TOOLS) $(B)/firmware/profile-gen

# room targets, for working on one part
base: $(LIB_BASE)
proto: $(LIB_PROTO)
sim: $(LIB_SIM) $(BIN)/pumpsim
tui: $(LIB_TUI) $(BIN)/pumpbench
hil: $(LIB_HIL) $(BIN)/pumphil
cal: $(LIB_CAL)
store: $(LIB_STORE)

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS) $(TEST_TOOLS)
	$(Q)BIN=$(BIN) B=$(B) tools/run-bench

# mutants run in a scratch copy of the release build (tools/mutate); the
# CI subset (MUTANTS=fast) runs against the unit tests only
MUTANTS ?= all
mutate: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)tools/mutate --select $(MUTANTS) \
		$(if $(filter fast,$(MUTANTS)),--scenarios none)

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tools/run-fuzz $(FUZZ_BINS)

# ---- rules ----------------------------------------------------------------
ifdef BUILD_DATA
$(BUILD_DATA):
	@mkdir -p $(@D)
	$(Q)ln -sfn $(CURDIR)/fixtures $@
endif

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

# mklib ARCHIVE, OBJECTS: one archive per room, for the release (or
# sanitizer) build and again with the fuzz flags
define mklib
$(1): $(2)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call mklib,$(LIB_$(r)),$(call obj,$($(r)_SRC)))))
$(foreach r,$(ROOMS),$(eval $(call mklib,$(call fuzzlib,$(LIB_$(r))),$(call fobj,$($(r)_SRC)))))

LINK = @mkdir -p $(@D); $(if $(Q),echo "  LD      $@";) \
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
	-Wl,--start-group $(filter %.a,$^) -Wl,--end-group

# The version every record names (base/version.h): git describe, or the
# release number in VERSION without git; and the build date (UTC, from
# SOURCE_DATE_EPOCH when set).  base/version.o is rebuilt when either
# changes (a commit, a dirty tree, a new day).
VERSION := $(shell tools/version-string)
BUILD_DATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" \
	+%Y-%m-%d 2>/dev/null || echo unknown)
$(B)/version.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(BUILD_DATE)' | cmp -s - $@ || \
		echo '$(VERSION) $(BUILD_DATE)' > $@
$(B)/base/version.o: $(B)/version.txt
$(B)/base/version.o: ALL_CFLAGS += -DPB_VERSION='"$(VERSION)"' \
	-DPB_BUILD_DATE='"$(BUILD_DATE)"'
.PHONY: FORCE
FORCE:

# Doors point one way: pumpbench links no hil, pumpsim links no tui/hil.
$(BIN)/pumpsim: $(B)/tools/pumpsim/main.o $(LIB_SIM) $(LIB_PUMP) $(LIB_PROTO) $(LIB_BASE)
	$(LINK) $(PKG_LIBS) $(LIBS_M)
$(BIN)/pumpbench: $(B)/tui/main.o $(LIB_TUI) $(LIB_STORE) $(LIB_CAL) $(LIB_PUMP) $(LIB_PROTO) $(LIB_BASE)
	$(LINK) $(PKG_LIBS) $(LIBS_M)
$(BIN)/pumphil: $(B)/hil/main.o $(LIB_HIL) $(LIB_STORE) $(LIB_CAL) $(LIB_SIM) $(LIB_PUMP) $(LIB_PROTO) $(LIB_BASE)
	$(LINK) $(PKG_LIBS) $(LIBS_M)

TEST_HELPER_OBJ := $(patsubst %.c,$(B)/%.o,$(TEST_HELPER_SRC))

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(TEST_HELPER_OBJ) $(ALL_LIBS)
	$(LINK) $(TEST_LIBS) $(PKG_LIBS) $(LIBS_M)
$(B)/tests/mock/%: $(B)/tests/mock/%.o $(TEST_HELPER_OBJ) $(ALL_LIBS)
	$(LINK) $(TEST_LIBS) $(PKG_LIBS) $(LIBS_M)
$(B)/tests/tools/%: $(B)/tests/tools/%.o $(TEST_HELPER_OBJ) $(ALL_LIBS)
	$(LINK) $(TEST_LIBS) $(PKG_LIBS) $(LIBS_M)
$(B)/bench/%: $(B)/bench/%.o $(ALL_LIBS)
	$(LINK) $(PKG_LIBS) $(LIBS_M)

# Fuzzers: clang + libFuzzer.  Each library source is compiled once with
# the fuzz flags (build/fuzz/obj/) into the room archives (build/fuzz/*.a);
# each target links against them and so takes only the objects it uses.
FUZZ_SAN    := -fsanitize=address,undefined
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 -I. \
	-fsanitize=fuzzer-no-link $(FUZZ_SAN) -DPB_DATADIR='"$(DATADIR)"' \
	-MMD -MP
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<
$(FUZZ_BINS): build/fuzz/%: build/fuzz/obj/fuzz/%.o $(FUZZ_LIBS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
		-Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group \
		$(PKG_LIBS) $(LIBS_M)

include firmware/build.mk

# ---- install --------------------------------------------------------------
# The layout (docs: README "Install"): programs in PREFIX/bin find their
# data in PREFIX/share/pumpbench beside them at run time (base/datadir.h),
# so `make install PREFIX=...` after any build needs no rebuild; DATADIR
# is only the extra place compiled in.  Each part has its own variable,
# for packagers (debian/rules: PREFIX=/usr DESTDIR=debian/pumpbench).
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
INST_BIN  = $(DESTDIR)$(PREFIX)/bin
INST_DATA = $(DESTDIR)$(PREFIX)/share/pumpbench
DATA_DIRS := pumps rigs scenarios requirements
INST_NAMES := pumpbench pumpsim pumphil

install: all
	install -d $(INST_BIN) $(INST_DATA) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(PROGS) $(INST_BIN)/
	cd fixtures && find $(DATA_DIRS) -type d | while read -r d; do \
		install -d "$(INST_DATA)/$$d" || exit 1; done
	cd fixtures && find $(DATA_DIRS) -type f | while read -r f; do \
		install -m 644 "$$f" "$(INST_DATA)/$$f" || exit 1; done
	sed 's|@DATADIR@|$(DATADIR)|' dist/bash-completion/pumpbench \
		>$(DESTDIR)$(BASHCOMPDIR)/pumpbench
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/pumpbench
	ln -sf pumpbench $(DESTDIR)$(BASHCOMPDIR)/pumpsim
	ln -sf pumpbench $(DESTDIR)$(BASHCOMPDIR)/pumphil
	install -m 644 dist/udev/60-pumpbench.rules $(DESTDIR)$(UDEVRULESDIR)/
	install -m 644 dist/examples/station.ini $(DESTDIR)$(DOCDIR)/examples/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(addprefix $(INST_BIN)/,$(INST_NAMES))
	rm -rf $(addprefix $(INST_DATA)/,$(DATA_DIRS))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(INST_NAMES))
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-pumpbench.rules
	rm -f $(DESTDIR)$(DOCDIR)/examples/station.ini
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(INST_DATA) 2>/dev/null

# a binary package built in a copy of the tree (build/deb/src), so that
# debian/rules clean cannot touch this build
deb: deps
	$(Q)tools/make-deb

clean:
	rm -rf build bin

# header dependencies (-MMD -MP) of every object this build makes
DEP_OBJS := $(call obj,$(LIB_SRC) $(MAIN_SRC) $(UNIT_SRC) $(MOCK_SRC) \
	$(TEST_HELPER_SRC) $(TEST_TOOLS_SRC) $(BENCH_SRC)) \
	$(call fobj,$(LIB_SRC) $(FUZZ_SRC))
-include $(DEP_OBJS:.o=.d)
