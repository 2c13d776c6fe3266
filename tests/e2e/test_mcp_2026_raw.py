"""A raw MCP 2026-07-28 client that never sends initialize drives the real
gateway (real worker, engine and DuckDB) through tools/list, a `query` call
and resources/read, over stdio and over Streamable HTTP with and without
keys; and the caching hints of each list and read result say who may keep
it, and for how long."""

import contextlib

import pytest

from harness import RawStdio, demo_project, gateway_env
from http_harness import HttpGateway

VERSION = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "raw-2026", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}
NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
KEY = "mfgate-2026-raw-key"
TTL_MS = 5000  # stateless.h kCacheTtlMs


class Stdio:
    scope = "private"

    def __init__(self):
        self.gateway = RawStdio(gateway_env(demo_project()))

    def request(self, request_id, method, params):
        return self.gateway.request(request_id, method, dict(params, _meta=META))

    def close(self):
        assert self.gateway.close() == 0, self.gateway.stderr


class Http:
    def __init__(self, keyed):
        env = (gateway_env(demo_project(), MCP_REQUIRE_AUTH="true", MCP_API_KEY=KEY)
               if keyed else gateway_env(demo_project()))
        self.auth = {"Authorization": f"Bearer {KEY}"} if keyed else {}
        # Without keys every caller sees the same: shared caches may keep it.
        self.scope = "private" if keyed else "public"
        self.gateway = HttpGateway(env)

    def request(self, request_id, method, params):
        headers = dict(self.auth, **{"MCP-Protocol-Version": VERSION, "Mcp-Method": method})
        if method in NAMED:
            headers["Mcp-Name"] = params[NAMED[method]]
        reply = self.gateway.post("/mcp", {"jsonrpc": "2.0", "id": request_id,
                                           "method": method,
                                           "params": dict(params, _meta=META)},
                                  headers=headers)
        assert "mcp-session-id" not in reply.headers
        assert reply.status_code == 200, reply.text
        return reply.json()

    def close(self):
        self.gateway.close()


@contextlib.contextmanager
def client(transport):
    # One gateway at a time: DuckDB lets one process open the demo database.
    opened = {"stdio": Stdio, "http": lambda: Http(keyed=True),
              "http-without-keys": lambda: Http(keyed=False)}[transport]()
    try:
        yield opened
    finally:
        opened.close()


def result_of(response):
    assert "result" in response, response
    assert response["result"]["resultType"] == "complete", response
    return response["result"]


@pytest.mark.parametrize("transport", ["stdio", "http", "http-without-keys"])
def test_list_query_and_read_without_initialize(transport):
    with client(transport) as mcp:
        listed = result_of(mcp.request(1, "tools/list", {}))
        assert "query" in [tool["name"] for tool in listed["tools"]]
        assert listed["ttlMs"] == TTL_MS and listed["cacheScope"] == mcp.scope

        queried = result_of(mcp.request(2, "tools/call", {"name": "query", "arguments": {
            "metrics": ["revenue_usd"], "group_by": ["metric_time__month"], "limit": 3}}))
        assert not queried.get("isError"), queried
        rows = queried["structuredContent"]
        assert [c["name"] for c in rows["columns"]] == ["metric_time__month", "revenue_usd"]
        assert 0 < rows["row_count"] <= 3
        # A tool result is not cacheable.
        assert "ttlMs" not in queried and "cacheScope" not in queried

        resources = result_of(mcp.request(3, "resources/list", {}))
        assert resources["ttlMs"] == TTL_MS and resources["cacheScope"] == mcp.scope
        uri = next(r["uri"] for r in resources["resources"]
                   if r["uri"] == "metricflow://metric/revenue_usd")
        read = result_of(mcp.request(4, "resources/read", {"uri": uri}))
        assert read["ttlMs"] == TTL_MS and read["cacheScope"] == mcp.scope
        assert "revenue_usd" in read["contents"][0]["text"]
