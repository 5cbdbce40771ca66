# PIM Approvals: build, demo and test.
#
#   make demo    the app on the demo tenant (tenant emulator) at http://127.0.0.1:8080/
#   make test    every check and test suite (what CI runs through .ci/run)
#   make bench   the benchmark: figures and budgets into bench/RESULTS.md and the README (not in make test)
#
# Every target first installs what it needs (see .ci/tools.sh); installs are skipped when the right
# version is already there. Variables can be overridden: `make demo APP_PORT=8081 API_PORT=8401`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The steps of `make test` run in order, also under `make -j`.
.NOTPARALLEL:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Tools: cargo-installed ones in $CARGO_HOME/bin; npm ones (wasm-opt, axe-core) in .tools/npm.
export PATH := $(ROOT)/.tools/npm/node_modules/.bin:$(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)
TOOLS := $(ROOT)/.ci/tools.sh
# Runs a test command and ends any browser it leaves behind (see the script).
REAP := $(ROOT)/.ci/reap.sh

# Where the release bundle goes (Trunk's --dist) and the URL path it is served under.
DIST ?= dist
APP_BASE ?= /
PUBLIC_URL ?= $(APP_BASE)

# make demo
API_PORT ?= 8400
APP_PORT ?= 8080
SCENARIO ?= tests/emulator/scenarios/demo.json

# Browser tests (wasm-bindgen-test-runner and the e2e crate).
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMIUM ?= /usr/bin/chromium
export WASM_BINDGEN_TEST_TIMEOUT ?= 120
export WASM_BINDGEN_TEST_WEBDRIVER_JSON ?= $(ROOT)/webdriver.json
E2E_THREADS ?= 2

# Test builds keep file:line in backtraces but not full debug info: about 12% less compile time on a
# cold build and 40% less disk in target/ (make test's artifacts then differ from a plain `cargo test`).
export CARGO_PROFILE_DEV_DEBUG ?= line-tables-only

.PHONY: help tools tools-rust tools-build tools-test tools-browser demo build build-subpath emulator size \
        bench test lint fmt-check clippy clippy-wasm test-unit test-wasm test-e2e clean distclean

help:
	@echo "make demo    build the app and run it on the demo tenant: http://127.0.0.1:$(APP_PORT)$(APP_BASE)"
	@echo "make test    fmt, clippy (native + wasm), unit tests, wasm browser tests, release build, e2e tests"
	@echo "make build   release bundle into $(DIST)/"
	@echo "make size    release bundle size (raw and brotli), with and without wasm-opt"
	@echo "make bench   the benchmark (10,000 requests, latency, throttled first load): bench/RESULTS.md"
	@echo "make tools   install the tools only (rust wasm32 target, trunk, wasm-bindgen-cli, wasm-opt + axe-core from npm, chromium)"
	@echo "make clean   remove $(DIST)/ and cargo's target/ (distclean: also .tools/)"

# ---------------------------------------------------------------------------------------------
# Tools

tools:
	@$(TOOLS) rust trunk wasm-bindgen npm browser brotli

tools-rust:
	@$(TOOLS) rust

tools-build:
	@$(TOOLS) rust trunk wasm-bindgen npm

tools-test:
	@$(TOOLS) rust trunk wasm-bindgen npm browser

tools-browser:
	@$(TOOLS) rust wasm-bindgen npm browser

# ---------------------------------------------------------------------------------------------
# Build and demo

build: tools-build
	trunk build --release --offline --dist "$(DIST)" --public-url "$(PUBLIC_URL)"

# The same app built for a sub-path, for the e2e test that serves it under /admin/pim/.
build-subpath: tools-build
	trunk build --release --offline --dist dist-subpath --public-url /admin/pim/

emulator: tools-rust
	cargo build --release -p tenant-emulator

demo: build emulator
	@echo
	@echo "PIM Approvals on the demo tenant"
	@echo "  app:      http://127.0.0.1:$(APP_PORT)$(APP_BASE)"
	@echo "  emulator: http://127.0.0.1:$(API_PORT) (Graph, ARM, MIM PAM, portal API and sign-in)"
	@echo "  Sign in as (the emulator's sign-in page lists everyone):"
	@echo "    Adele Vance        main approver, approves in every source"
	@echo "    Megan Bowen        approver with her own pending requests"
	@echo "    Nestor Wilke       second approver"
	@echo "    Alex Wilber, Diego Siciliani, Lynne Robbins   requesters"
	@echo "    Deploy Pipeline    a service principal"
	@echo "  Ctrl-C stops it."
	@echo
	exec cargo run --release --quiet -p tenant-emulator -- \
	  --scenario "$(SCENARIO)" --port "$(API_PORT)" \
	  --serve-app "$(DIST)" --app-port "$(APP_PORT)" --app-base "$(APP_BASE)"

size: tools-build
	@$(TOOLS) brotli
	@DIST="$(DIST)" PUBLIC_URL="$(PUBLIC_URL)" $(ROOT)/.ci/bundle-size.sh

# ---------------------------------------------------------------------------------------------
# Benchmark (not part of make test): the release bundle in its own dist dir, the domain's arrange step
# natively, then every browser figure against the emulator built optimised (Cargo's bench profile,
# here without LTO to keep the build short). Prints the table, writes bench/RESULTS.md and the README's
# bench section, and fails naming each budget missed. BENCH_ONLY=1,4 runs some groups, writes nothing.

BENCH_TARGET := $(or $(CARGO_TARGET_DIR),$(ROOT)/target)
BENCH_DIST ?= $(BENCH_TARGET)/bench-dist

bench: export CARGO_PROFILE_BENCH_LTO = false
bench: export CARGO_PROFILE_BENCH_CODEGEN_UNITS = 16
bench: export CARGO_PROFILE_BENCH_OPT_LEVEL = 2
bench: tools-test
	trunk build --release --offline --dist "$(BENCH_DIST)" --public-url /
	cargo bench -p e2e --bench bench --no-run
	cargo bench --bench arrange | tee "$(BENCH_TARGET)/bench-arrange.txt"
	PIM_DIST="$(BENCH_DIST)" BENCH_ARRANGE="$(BENCH_TARGET)/bench-arrange.txt" \
	  $(REAP) cargo bench -p e2e --bench bench

# ---------------------------------------------------------------------------------------------
# Tests (in this order; each step stops the run on failure)

test: tools-test fmt-check clippy clippy-wasm test-unit test-wasm build build-subpath test-e2e
	@echo "make test: all steps passed"

lint: fmt-check clippy clippy-wasm

fmt-check: tools-rust
	cargo fmt --all --check

clippy: tools-rust
	cargo clippy --workspace --all-targets -- -D warnings

clippy-wasm: tools-rust
	cargo clippy --target wasm32-unknown-unknown -p pim-approvals -- -D warnings

# Native unit tests of the app and the emulator (its contract tests included).
test-unit: tools-rust
	cargo test --workspace --exclude e2e

# wasm-bindgen-test in headless Chromium (runner from .cargo/config.toml, browser from webdriver.json).
test-wasm: tools-browser
	$(REAP) cargo test --target wasm32-unknown-unknown -p pim-approvals

# End-to-end: the built bundle in $(DIST)/ against the emulator, driven through chromedriver.
test-e2e: tools-browser
	@test -f "$(DIST)/index.html" || { echo "$(DIST)/index.html missing: run make build first"; exit 1; }
	@test -f dist-subpath/index.html || { echo "dist-subpath/index.html missing: run make build-subpath first"; exit 1; }
	PIM_DIST="$(abspath $(DIST))" PIM_DIST_SUBPATH="$(abspath dist-subpath)" \
	  $(REAP) cargo test -p e2e -- --test-threads=$(E2E_THREADS)

# ---------------------------------------------------------------------------------------------

clean:
	rm -rf "$(DIST)" dist-subpath
	cargo clean

distclean: clean
	rm -rf .tools
