# hnb - High Needs Block forecasting engine.
#
#   make            build build/hnb
#   make run        install what is missing (apt-get, as root), build, run the default scenario
#   make test       install, build and run the Criterion suite (SANITIZE=1: ASan + UBSan;
#                   SANITIZE=thread: the engine's threads under ThreadSanitizer,
#                   tests/tsan.sh)
#   make bench      benchmarks
#   make faults     the fault-injection suite: out of memory, a full disk, kills,
#                   concurrent runs, control bytes, FIFOs (tests/faults.py)
#   make fuzz       libFuzzer target for the scenario loader (FUZZ_SECONDS=60)
#   make install    install build/hnb into $(PREFIX)/bin

CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O3 -g
SANITIZE ?=
VERSION := 0.1.0

ifeq ($(SANITIZE),1)
BUILD   := build/san
XFLAGS  := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow
else ifeq ($(SANITIZE),thread)
# ThreadSanitizer is not running yet when the loader picks a function's AVX2
# or default clone: build without clones (HNB_NO_CLONES)
BUILD   := build/tsan
XFLAGS  := -O1 -g -fsanitize=thread -DHNB_NO_CLONES
else
BUILD   := build
XFLAGS  :=
endif

PKGS     := gsl yaml-0.1
# -ffp-contract=off: no fused multiply-adds, so every build rounds alike;
# -fno-math-errno: nothing reads errno after maths, and the sampler's lane
# loops vectorise only without it (sample.c)
WARN     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -ffp-contract=off -fno-math-errno
ALL_CFLAGS = $(WARN) $(CFLAGS) $(XFLAGS) -Iinclude -DHNB_VERSION='"$(VERSION)"' -DHNB_PLOTDIR='"$(PREFIX)/share/hnb/plots"' -MMD -MP
LIBS     := -lxlsxwriter -lgsl -lgslcblas -lyaml -lm -lpthread

ENGINE_SRC := $(filter-out engine/main.c,$(wildcard engine/*.c))
ENGINE_OBJ := $(patsubst engine/%.c,$(BUILD)/engine/%.o,$(ENGINE_SRC))
TEST_SRC   := $(filter-out tests/fuzz_%.c,$(wildcard tests/*.c))
TEST_OBJ   := $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(TEST_SRC))

# make run's scenario: Leicestershire by need under the 2026 regime (v2)
DEFAULT_SCENARIO ?= scenarios/leicestershire-2026.yaml
# the forecast benchmark's: the scenario its published figures were measured on
FORECAST_SCENARIO ?= scenarios/leicestershire-2025.yaml

.PHONY: all run test bench bench-forecast bench-deps faults fuzz fuzz-deps install clean deps check-deps

all: $(BUILD)/hnb

# --- dependencies: Debian packages, installed when missing --------------------
DEB_PKGS := build-essential pkg-config libgsl-dev libyaml-dev libxlsxwriter-dev libcriterion-dev gnuplot-nox python3-openpyxl

# Install the Debian packages named in $$missing (a shell variable of the
# recipe): with apt-get as root, else say what is missing ($(1)) and run $(2).
apt_install = if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "$(1):$$missing"; echo "install them with: sudo apt-get install$$missing"; $(2); \
	  fi; \
	fi

deps:
	@missing=""; \
	[ -f /usr/include/gsl/gsl_cdf.h ] || missing="$$missing libgsl-dev"; \
	[ -f /usr/include/yaml.h ] || missing="$$missing libyaml-dev"; \
	[ -f /usr/include/xlsxwriter.h ] || missing="$$missing libxlsxwriter-dev"; \
	/usr/bin/python3 -c 'import openpyxl, yaml' 2>/dev/null || missing="$$missing python3-openpyxl python3-yaml"; \
	[ -f /usr/include/criterion/criterion.h ] || missing="$$missing libcriterion-dev"; \
	command -v gnuplot >/dev/null 2>&1 || missing="$$missing gnuplot-nox"; \
	command -v cc >/dev/null 2>&1 || missing="$$missing build-essential"; \
	$(call apt_install,missing packages,exit 1)

# --- the engine ------------------------------------------------------------------
$(BUILD)/engine/%.o: engine/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libhnb.a: $(ENGINE_OBJ)
	ar rcs $@ $^

$(BUILD)/hnb: $(BUILD)/engine/main.o $(BUILD)/libhnb.a
	$(CC) $(CFLAGS) $(XFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/test_hnb: $(TEST_OBJ) $(BUILD)/libhnb.a
	$(CC) $(CFLAGS) $(XFLAGS) -o $@ $^ -lcriterion $(LIBS)

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb
	$(BUILD)/hnb run $(DEFAULT_SCENARIO) -o out/$(basename $(notdir $(DEFAULT_SCENARIO)))

# Tests find the binary and the data through these variables. Criterion
# cannot start under ThreadSanitizer (Snaipe/Criterion#274): SANITIZE=thread
# runs the engine's threads through tests/tsan.sh instead.
ifeq ($(SANITIZE),thread)
test: deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb
	sh tests/tsan.sh $(BUILD)/hnb
else
test: deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb $(BUILD)/test_hnb
	HNB_BIN=$(abspath $(BUILD)/hnb) HNB_ROOT=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 \
	  $(BUILD)/test_hnb --jobs=2 $(TEST_ARGS)
	python3 tests/docs_examples.py $(BUILD)/hnb
endif

# The NumPy comparison and peak memory need python3-numpy, python3-scipy and time.
bench-deps: deps
	@missing=""; \
	/usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null || missing="$$missing python3-numpy python3-scipy"; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	$(call apt_install,for the full benchmark install,true)

bench: bench-deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb
	@sh tests/bench.sh $(BUILD)/hnb
	@echo
	@SCENARIO=scenarios/leicestershire-2026.yaml sh tests/bench.sh $(BUILD)/hnb 1000000 100000
	@echo
	@sh tests/bench/charts.sh $(BUILD)/hnb
	@echo
	@sh tests/bench/bigrun.sh $(BUILD)/hnb

# Forecast skill across England's councils (issue 13's targets; exit 1 when
# missed): every council with a full SEN2 series, rolling origins, baselines.
SEN2_LA ?= ../shared/data/sen2-la.csv
bench-forecast: deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb
	python3 tests/forecast/bench.py $(BUILD)/hnb $(SEN2_LA) $(FORECAST_SCENARIO) out/bench-forecast

# The fault-injection suite (issue 19): a few minutes; FAULTS_ARGS=--quick for
# a smaller sample. The full-disk trials mount a small tmpfs when run as
# root, else use a file-size limit.
faults: deps
	@$(MAKE) --no-print-directory $(BUILD)/hnb
	python3 tests/faults.py $(BUILD)/hnb $(FAULTS_ARGS)

# --- fuzzing (clang's libFuzzer) -------------------------------------------------
FUZZ_SECONDS ?= 60
build/fuzz/fuzz_load: tests/fuzz_load.c $(ENGINE_SRC)
	@mkdir -p build/fuzz
	clang $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -DHNB_VERSION='"$(VERSION)"' -DHNB_PLOTDIR='"$(PREFIX)/share/hnb/plots"' $^ -o $@ $(LIBS)

fuzz-deps: deps
	@missing=""; \
	command -v clang >/dev/null 2>&1 || missing="$$missing clang"; \
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || missing="$$missing libclang-rt-dev"; \
	$(call apt_install,for fuzzing install,exit 1)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory build/fuzz/fuzz_load
	@mkdir -p fuzz-corpus
	@cp -n scenarios/*.yaml tests/data/*.yaml tests/fuzz-seeds/* fuzz-corpus/ 2>/dev/null || true
	build/fuzz/fuzz_load -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	  -rss_limit_mb=2048 fuzz-corpus

install: $(BUILD)/hnb
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hnb/plots
	install -m 755 $(BUILD)/hnb $(DESTDIR)$(PREFIX)/bin/hnb
	for f in plots/*.gp; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(PREFIX)/share/hnb/plots/; done; true

clean:
	rm -rf build

-include $(wildcard $(BUILD)/engine/*.d $(BUILD)/tests/*.d)
