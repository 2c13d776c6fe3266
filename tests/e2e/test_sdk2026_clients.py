"""The official MCP SDK clients of the 2026 era drive mfgate in 2026-07-28
mode over stdio and Streamable HTTP, against a real worker: the Python SDK
(mcp 2.x, in its own environment .venv-mcp2026 so the pins of .venv stay as
they are; tests/e2e/sdk2026_client.py) and the TypeScript client
(@modelcontextprotocol/client 2.x, tests/ts_client2026/client.mjs, beside
tests/ts_client's 1.x SDK)."""

import json
import subprocess

import pytest

from conftest import HTTP_KEY as KEY
from harness import GATEWAY, REPO, demo_project, gateway_env

PYTHON = REPO / ".venv-mcp2026" / "bin" / "python"
CLIENTS = {
    "python": [str(PYTHON), str(REPO / "tests" / "e2e" / "sdk2026_client.py")],
    "typescript": ["node", str(REPO / "tests" / "ts_client2026" / "client.mjs")],
}
INSTALLED = {"python": PYTHON,
             "typescript": REPO / "tests" / "ts_client2026" / "node_modules"}


def run_client(sdk, args, env=None):
    assert INSTALLED[sdk].exists(), \
        f"{INSTALLED[sdk]} is missing: tools/install-deps.sh --test installs it"
    done = subprocess.run([*CLIENTS[sdk], *args], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(seen):
    assert seen["version"] == "2026-07-28"
    assert {"query", "list_metrics", "compile_sql"} <= set(seen["tools"])
    assert not seen["metricsIsError"] and "transactions" in seen["metrics"]
    assert not seen["queryIsError"]
    assert [row[0] for row in seen["rows"]] == ["CA", "FR", "MX", "US"]


@pytest.mark.parametrize("sdk", list(CLIENTS))
def test_over_stdio(sdk):
    check(run_client(sdk, ["stdio", str(GATEWAY)], env=gateway_env(demo_project())))


@pytest.mark.parametrize("sdk", list(CLIENTS))
def test_over_streamable_http(sdk, keyed_http):
    check(run_client(sdk, ["http", keyed_http.url + "/mcp", KEY]))
