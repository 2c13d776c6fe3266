"""The official MCP TypeScript SDK client drives mfgate over stdio, legacy
SSE and Streamable HTTP (tests/ts_client/client.mjs), against a real worker."""

import json
import os
import subprocess

import pytest

from harness import GATEWAY, REPO, demo_project, gateway_env
from http_harness import HttpGateway

CLIENT = REPO / "tests" / "ts_client" / "client.mjs"
KEY = "ts-client-key-5d1e"


def run_client(args, env=None):
    done = subprocess.run(["node", str(CLIENT), *args], capture_output=True, text=True,
                          timeout=180, env=env or dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(seen):
    assert seen["server"] == "mfgate"
    assert {"query", "list_metrics", "compile_sql"} <= set(seen["tools"])
    assert "transactions" in seen["metrics"]
    assert [row[0] for row in seen["rows"]] == ["CA", "FR", "MX", "US"]
    assert seen["unknownIsError"] and "transactions" in seen["unknownText"]
    assert 'Example (query): {"metrics":["transactions"]}' in seen["unknownText"]
    assert seen["typedRows"] == [["CA", 15], ["US", 14]]
    first, second = seen["firstPage"], seen["secondPage"]
    assert first["truncated"] and first["used"] <= 1500
    assert 0 < first["rows"] < first["total"]
    assert second["offset"] == first["rows"] and second["rows"] > 0
    assert seen["relativeIsError"]
    assert seen["relativeText"].startswith("start_time:")
    assert "Example (query):" in seen["relativeText"]
    assert sorted(seen["entities"]) == ["country", "customer", "id_order", "transaction"]


@pytest.fixture(scope="module")
def http_gateway():
    server = HttpGateway(gateway_env(demo_project(), MCP_REQUIRE_AUTH="true", MCP_API_KEY=KEY))
    yield server
    server.close()


def test_stdio():
    check(run_client(["stdio", str(GATEWAY)], env=gateway_env(demo_project())))


def test_legacy_sse(http_gateway):
    check(run_client(["sse", http_gateway.url + "/sse", KEY]))


def test_streamable_http(http_gateway):
    check(run_client(["http", http_gateway.url + "/mcp", KEY]))
