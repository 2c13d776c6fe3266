# mfgate's entry points. Each target installs what it needs (pinned, see
# tools/) and is safe to run again.
#
#   make demo   build, then run the gateway on the MetricFlow tutorial project
#   make test   build, then run every test (unit, integration, end to end,
#               sanitizers, a bounded run of each fuzz target, and the
#               Kubernetes suites of make test-k8s)
#   make fuzz   run each fuzz target long (FUZZ_SECONDS each, FUZZ_JOBS at once)
#   make build  install dependencies and build both binaries
#   make images the gateway and worker container images (OCI layout in
#               .k8s-build/images/oci), from pinned Debian packages
#   make test-k8s  the Kubernetes suites alone: pods from the images under
#               runc, every overlay on a real API server, linters
#   make bench        mfgate vs mcp-metricflow vs in-process MetricFlow
#   make bench-stdio  latency of tool calls through the stdio gateway
#   make bench-drift  one engine's cost per query over 3,000 queries
#   make format clang-format every C++ file
SHELL := /bin/bash
BAZEL := bazel
PYTHON := .venv/bin/python
DEMO_DIR := .demo
DEMO_PROJECT := $(DEMO_DIR)/mf_tutorial_project
TEST_OUT := .test-out

FUZZ_SECONDS ?= 3600
FUZZ_JOBS ?= 1

.PHONY: all deps build demo demo-project test test-k8s k8s-deps images fuzz bench \
        bench-stdio bench-drift format clean

all: build

deps:
	@tools/install-deps.sh

build: deps
	$(BAZEL) build //gateway:mfgate //worker:mfgate-worker

demo-project: deps
	@tools/make-demo-project.sh $(DEMO_DIR)

demo: build demo-project
	@$(PYTHON) tools/demo.py --project-dir $(DEMO_PROJECT)

# The container images (k8s/images/build.sh); a second run rebuilds only
# what changed.
images: build demo-project
	@tools/install-deps.sh --images
	@k8s/images/build.sh

# The Kubernetes tests' tools (built once into .k8s-build/bin).
k8s-deps: deps
	@tools/install-deps.sh --k8s

# Every test, the Kubernetes suites included; the last line is the summary
# `tests: N passed, N failed`.
test: build demo-project images k8s-deps
	@tools/install-deps.sh --test
	@tools/run-tests.sh $(DEMO_PROJECT) $(TEST_OUT)

# Each fuzz target under libFuzzer with ASan + UBSan for FUZZ_SECONDS; the
# corpora they grow, what they find and the executions each has survived
# stay in .fuzz-out/ (see README.md, Hardening).
fuzz: deps
	@tools/install-deps.sh --test
	@tools/fuzz.sh --seconds $(FUZZ_SECONDS) --parallel $(FUZZ_JOBS) --out .fuzz-out

# The Kubernetes suites alone (tests/k8s), with the same summary line.
test-k8s: build demo-project images k8s-deps
	@tools/run-tests.sh --k8s $(DEMO_PROJECT) $(TEST_OUT)

# Latency of list_metrics and a query through the stdio gateway (not a test).
bench-stdio: build demo-project
	@$(PYTHON) bench/stdio_latency.py --project-dir $(DEMO_PROJECT)

# One engine's cost per query over 3,000 queries, first 250 against last 250.
bench-drift: build demo-project
	@$(PYTHON) bench/engine_drift.py --project-dir $(DEMO_PROJECT) --proto-path bazel-bin/proto

# mfgate against mcp-metricflow 1.0.0 and MetricFlow in-process, side by side;
# writes bench/RESULTS.md (not a test; takes a few minutes).
MM_VENV := bench/.venv-mcp-metricflow
bench: build demo-project
	@test -x $(MM_VENV)/bin/mcp-metricflow || { /usr/bin/python3 -m venv $(MM_VENV) && \
	  $(MM_VENV)/bin/pip install -q -r bench/requirements-mcp-metricflow.txt \
	    -c tools/python-constraints.txt; }
	@$(PYTHON) bench/compare.py --project-dir $(DEMO_PROJECT) --write

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format --style=Google -i

clean:
	$(BAZEL) clean
	rm -rf $(DEMO_DIR) $(TEST_OUT) .fuzz-out .k8s-build
