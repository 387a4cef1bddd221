# pols - anonymous employee surveys on shared terminals.
# Targets: all (default), test, demo, asan, asan-test, valgrind-test, fuzz,
# bench, install, clean.
# User CFLAGS/LDFLAGS are appended; PREFIX and DESTDIR are honoured; V=1 is verbose.

PREFIX     ?= /usr/local
CC         ?= cc
PKG_CONFIG ?= pkg-config
O          ?= build
B          ?= bin

PKGS        := libsodium sqlite3 libcjson
DEP_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEP_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lsodium -lsqlite3 -lcjson)
# Debian's libnng-dev ships only CMake config, no .pc file.
NNG_LIBS    := $(shell $(PKG_CONFIG) --libs nng 2>/dev/null || echo -lnng)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# ncurses (wide) for the kiosk screen, linked into pols-kiosk only. Only its
# -I flags: its -D_XOPEN_SOURCE=600 would lower our POSIX level.
CURSES_CFLAGS := $(filter -I%,$(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null))
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
        -Wno-format-truncation
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ALL_CFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
              $(WARN) $(SANFLAGS) -MMD -MP -Icommon -Iserver -Iclient $(DEP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS        = $(NNG_LIBS) $(DEP_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

COMMON_SRC := $(wildcard common/*.c)
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
SERVER_SRC := $(filter-out server/polsd.c server/polsctl.c,$(wildcard server/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(O)/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(O)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(O)/%.o)
LIBPOLS    := $(O)/libpols.a
PROGS      := $(B)/pols-kiosk $(B)/polsd $(B)/polsctl
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(O)/tests/%)
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(O)/bench/%)

.SECONDARY:
.PHONY: all test demo asan asan-test install uninstall clean deps tests-build
all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBPOLS): $(COMMON_OBJ)
	$(Q)$(AR) rcs $@ $^

$(O)/libkiosk.a: $(CLIENT_OBJ)
	$(Q)$(AR) rcs $@ $^

$(O)/libserver.a: $(SERVER_OBJ)
	$(Q)$(AR) rcs $@ $^

$(O)/client/tui.o: ALL_CFLAGS += $(CURSES_CFLAGS)

$(B)/pols-kiosk: $(O)/client/main.o $(O)/libkiosk.a $(LIBPOLS)
	@mkdir -p $(B)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CURSES_LIBS)

$(B)/polsd: $(O)/server/polsd.o $(O)/libserver.a $(LIBPOLS)
	@mkdir -p $(B)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/polsctl: $(O)/server/polsctl.o $(O)/libserver.a $(LIBPOLS)
	@mkdir -p $(B)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libserver.a $(O)/libkiosk.a $(LIBPOLS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

$(O)/tests/%: $(O)/tests/tools/%.o $(O)/libserver.a $(O)/libkiosk.a $(LIBPOLS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

tests-build: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)

$(O)/bench/%: $(O)/bench/%.o $(O)/libserver.a $(O)/libkiosk.a $(LIBPOLS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CURSES_LIBS)

# Benchmarks print a table and one JSON line per figure (docs/performance.md).
.PHONY: bench bench-sync bench-kiosk bench-publish
bench: bench-sync bench-kiosk bench-publish

bench-publish: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	@POLS_BENCHBIN=$(abspath $(O)/bench) bench/bench-publish.sh

bench-kiosk: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@POLS_BIN=$(abspath $(B)) POLS_BENCHBIN=$(abspath $(O)/bench) bench/bench-kiosk.sh

bench-sync: deps
	@$(MAKE) --no-print-directory tests-build $(BENCH_BIN)
	@POLS_BIN=$(abspath $(B)) POLS_TESTBIN=$(abspath $(O)/tests) \
	 POLS_BENCHBIN=$(abspath $(O)/bench) bench/bench-sync.sh

# deps: install missing Debian packages (deploy/install-deps.sh decides).
deps:
	@deploy/install-deps.sh --if-missing

test: deps
	@$(MAKE) --no-print-directory tests-build
	@POLS_BIN=$(abspath $(B)) POLS_TESTBIN=$(abspath $(O)/tests) tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@POLS_BIN=$(abspath $(B)) deploy/demo.sh

asan:
	@$(MAKE) --no-print-directory O=build/asan B=build/asan/bin SANITIZE=1 tests-build

asan-test: deps asan
	@POLS_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	 POLS_BIN=$(abspath build/asan/bin) POLS_TESTBIN=$(abspath build/asan/tests) tests/run.sh

# valgrind-test: unit tests and end-to-end scripts with every program under
# valgrind (tests/valgrind-run.sh), one lane per core. VG_TESTS names them,
# in an order that balances the lanes; the default is the set CI runs, each
# program's main paths in about 6 minutes. VG_ALL is every
# test; the stress scripts among them start thousands of processes and take
# from 3 to over 10 minutes each under valgrind (README, "Development").
VG_ALL   := $(patsubst $(O)/tests/%,unit/%,$(UNIT_BIN)) \
            $(patsubst tests/e2e/%.sh,e2e/%,$(filter-out tests/e2e/lib.sh,$(wildcard tests/e2e/*.sh)))
VG_TESTS ?= e2e/kiosk-ui e2e/at-rest e2e/corrupt e2e/pipeline e2e/forms e2e/scan \
            e2e/interop $(patsubst $(O)/tests/%,unit/%,$(UNIT_BIN))
.PHONY: valgrind-test
valgrind-test: deps
	@$(MAKE) --no-print-directory tests-build
	@POLS_BIN=$(abspath $(B)) POLS_TESTBIN=$(abspath $(O)/tests) POLS_VGBIN=$(abspath $(O)/vg/bin) \
	 VG_TESTS="$(strip $(VG_TESTS))" tests/valgrind-run.sh

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pols/forms
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 forms/*.json $(DESTDIR)$(PREFIX)/share/pols/forms/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,pols-kiosk polsd polsctl)
	rm -rf $(DESTDIR)$(PREFIX)/share/pols

clean:
	rm -rf build bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# --- Fuzzing and nanomsg interop (tests/fuzz/README.md, tests/e2e/interop.sh) ---
# make fuzz: libFuzzer targets built with clang (optional packages, installed
# by make fuzz only) into build/fuzz/, each run FUZZ_SECONDS on its corpus.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_TARGETS := wire reply form answer org config bundle rotate
ifeq ($(FUZZ),1)
SANFLAGS += -fsanitize=fuzzer-no-link
WARN     += -Wno-unknown-warning-option
endif
.PHONY: fuzz fuzz-build
fuzz:
	@POLS_FUZZ_DEPS=1 deploy/install-deps.sh --if-missing
	@$(MAKE) --no-print-directory O=build/fuzz B=build/fuzz/bin CC=$(FUZZ_CC) SANITIZE=1 FUZZ=1 fuzz-build
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS:%=$(O)/fuzz_%)

$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/libserver.a $(O)/libkiosk.a $(LIBPOLS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(O)/tests/fuzz_mkseeds: $(O)/tests/fuzz/mkseeds.o $(O)/libserver.a $(O)/libkiosk.a $(LIBPOLS)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# nn_sync: a terminal on legacy libnanomsg, built when it is installed.
# -lnanomsg before NNG, whose compatibility layer also defines nn_*.
NN_LIBS := $(shell $(PKG_CONFIG) --libs nanomsg 2>/dev/null)
ifneq ($(NN_LIBS),)
tests-build: $(O)/tests/nn_sync
endif
$(O)/tests/nn_sync: $(O)/tests/interop/nn_sync.o $(O)/libkiosk.a $(LIBPOLS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NN_LIBS) $(LIBS)
