"""Where the benchmark finds what it runs."""

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[1]
# An optimized build of its own (-c opt), beside the tests' bazel-bin.
BIN = REPO / ".bench-bin"
GATEWAY = BIN / "gateway" / "mfgate"
LOAD_HTTP = BIN / "bench" / "load_http"
MM_VENV = REPO / "bench" / ".venv-mcp-metricflow"
