# Meridian build. `make` builds bin/meridian; `make SAN=1 ...` builds everything with
# ASan + UBSan into build/san (binary build/san/bin/meridian); `make test` bootstraps,
# builds and runs every test; `make run` starts the service on its embedded default.

CC      ?= cc
PKGS    := libuv jansson libxml-2.0 libpcre2-8 libcrypto sqlite3 yaml-0.1 hiredis libargon2
PKGS    += libssl  # TLS (src/http/tls.c)
PKGS    += libmaxminddb  # Geographic routing from a MaxMind DB (src/router/geoip.c)
SAN     ?= 0
PYTHON  := /usr/bin/python3

ifeq ($(SAN),1)
  BUILD    := build/san
  OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN    := -fsanitize=address,undefined
  BIN      := $(BUILD)/bin/meridian
else
  BUILD    := build/release
  OPTFLAGS := -O2 -g
  LDSAN    :=
  BIN      := bin/meridian
endif

# The sanitizer build's binary, whatever SAN is (make test runs the short soak with it).
SAN_BIN := build/san/bin/meridian

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc $(OPTFLAGS) -MMD -MP
LDLIBS   = $(PKG_LIBS) -lm

LIB_SRC   := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC   := $(shell find src/cli -name '*.c' | sort)
# Files shipped inside the binary (scripts/embed): the demo snapshot of `meridian run` and
# the default service of `meridian up` (`make run`).
GEN_OBJ   := $(BUILD)/gen/demo_snapshot.o $(BUILD)/gen/up_service.o
# Every file under web/ (the portal's and dashboard's pages, scripts, styles), served by
# the management plane from the binary (src/manage/assets.h, scripts/embed_web).
WEB_FILES := $(shell find web -type f ! -name '.*' 2>/dev/null | sort)
WEB_DIRS  := $(shell find web -type d 2>/dev/null | sort)
GEN_OBJ   += $(BUILD)/gen/web_assets.o
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_OBJ)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libmeridian.a

UNIT_SRC  := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN  := $(UNIT_SRC:%.c=$(BUILD)/%)
FUZZ_SRC  := $(shell find tests/fuzz -name 'fuzz_*.c' 2>/dev/null | sort)
FUZZ_NAMES:= $(notdir $(FUZZ_SRC:.c=))
REPLAY_BIN:= $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)

.PHONY: all bootstrap test unit fuzz-replay e2e browser run fuzz bench clean format faults soak soak-short

all: $(BIN)

bootstrap:
	@scripts/bootstrap

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/gen/demo_snapshot.c: examples/demo/snapshot.json scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed demo_snapshot_json $< > $@

$(BUILD)/gen/up_service.c: examples/up/service.yaml scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed up_service_yaml $< > $@

# The directories are prerequisites too: adding or removing a file changes their mtime.
$(BUILD)/gen/web_assets.c: $(WEB_FILES) $(WEB_DIRS) scripts/embed_web
	@mkdir -p $(dir $@)
	scripts/embed_web web > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDSAN) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LDLIBS) -lcriterion

# The CLI's pure parts (the service-file plan, SAS tokens) are tested with the CLI objects
# linked in; main.o stays out (the test has its own main).
CLI_TEST_OBJ := $(filter-out $(BUILD)/src/cli/main.o,$(CLI_OBJ))
$(BUILD)/tests/unit/cli/%: tests/unit/cli/%.c $(CLI_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDSAN) -o $@ $< $(CLI_TEST_OBJ) $(LIB) $(LDLIBS) -lcriterion

$(BUILD)/tests/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDSAN) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs 2; done

# Replays every fuzz corpus (tests/fuzz/corpus/<driver>/) through its driver.
fuzz-replay: $(REPLAY_BIN)
	@set -e; for n in $(FUZZ_NAMES); do \
	  echo "== replay $$n"; $(BUILD)/tests/fuzz/replay_$$n tests/fuzz/corpus/$$n; done

e2e: $(BIN)
	MERIDIAN_BIN=$(abspath $(BIN)) MERIDIAN_SAN=$(SAN) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

# Fault injection (tests/faults: kill -9 under load, hung and trickling backends, disk full,
# clock jumps); results as JSON lines in build/faults-results.jsonl (docs/reliability.md).
faults: $(BIN)
	@mkdir -p $(BUILD) && rm -f $(BUILD)/faults-results.jsonl
	MERIDIAN_BIN=$(abspath $(BIN)) MERIDIAN_SAN=$(SAN) MERIDIAN_FAULTS_RESULTS=$(abspath $(BUILD))/faults-results.jsonl \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/faults

# Browser tests (tests/browser/README.md): Debian's chromium driven by playwright-core
# (npm ci into tests/browser/node_modules when package-lock.json changed).
browser: $(BIN)
	@tests/browser/install
	cd tests/browser && MERIDIAN_BIN=$(abspath $(BIN)) MERIDIAN_SAN=$(SAN) node --test --test-concurrency=1 test_*.js

# bench/soak (docs/reliability.md): `make soak` runs it for SOAK_SECONDS (600); under
# `make SAN=1 test` a 45 s run with a unit killed every 15 s checks the ASan/LSan logs.
SOAK_SECONDS ?= 600
soak: $(BIN)
	$(PYTHON) bench/soak/soak.py --duration $(SOAK_SECONDS) --meridian $(abspath $(BIN)) $(if $(filter 1,$(SAN)),--san)

soak-short: $(BIN)
	$(PYTHON) bench/soak/soak.py --duration 45 --restart-interval 15 --clients 2 --meridian $(abspath $(BIN)) $(if $(filter 1,$(SAN)),--san)

test: bootstrap
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-replay
	$(MAKE) e2e
	$(MAKE) faults
	$(MAKE) browser
	# The short soak runs under ASan/LSan in every `make test` (issue 9: "a shorter run under
	# LSan in CI is clean"): a plain `make test` builds the sanitizer binary for it.
	if [ "$(SAN)" = 1 ]; then $(MAKE) soak-short; else $(MAKE) -j2 SAN=1 $(SAN_BIN) && $(MAKE) SAN=1 soak-short; fi

run: bootstrap
	$(MAKE) all
	$(BIN) up

# libFuzzer: make fuzz [FUZZ=fuzz_http_parser] [FUZZ_SECONDS=600]
FUZZ         ?= fuzz_http_parser
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
fuzz: $(BUILD)/gen/demo_snapshot.c $(BUILD)/gen/up_service.c $(BUILD)/gen/web_assets.c
	@mkdir -p $(FUZZ_BUILD)/work/$(FUZZ)
	clang -std=c17 -g -O1 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined \
	  -o $(FUZZ_BUILD)/$(FUZZ) tests/fuzz/$(FUZZ).c $(LIB_SRC) $(BUILD)/gen/demo_snapshot.c $(BUILD)/gen/up_service.c $(BUILD)/gen/web_assets.c $(LDLIBS)
	$(FUZZ_BUILD)/$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=70000 \
	  -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/work/$(FUZZ) tests/fuzz/corpus/$(FUZZ)

bench: all
	bench/proxy

format:
	clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:%=%.d) $(REPLAY_BIN:%=%.d)
