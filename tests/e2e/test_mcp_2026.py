"""A raw MCP 2026-07-28 client, which never sends initialize, against the real
gateway (real worker, engine and DuckDB) over stdio and Streamable HTTP; and
an older client beside it on the same process."""

import json

import pytest

from conftest import HTTP_KEY as KEY
from harness import RawStdio, demo_project, gateway_env

VERSION = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "raw-2026", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}
NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
AUTH = {"Authorization": f"Bearer {KEY}"}


def params(extra=None, meta=None):
    return dict(extra or {}, _meta=dict(META, **(meta or {})))


@pytest.fixture(scope="module")
def http(keyed_http):
    return keyed_http


def post(gateway, request_id, method, body_params, headers=None):
    """POSTs one modern request with the headers the revision requires."""
    sent = dict(AUTH, **{"MCP-Protocol-Version": VERSION, "Mcp-Method": method})
    if method in NAMED:
        sent["Mcp-Name"] = body_params[NAMED[method]]
    sent.update(headers or {})
    return gateway.post("/mcp", {"jsonrpc": "2.0", "id": request_id, "method": method,
                                 "params": body_params}, headers=sent)


def test_http_discover_list_and_call_without_a_session(http):
    discovered = post(http, 1, "server/discover", params())
    assert discovered.status_code == 200, discovered.text
    assert "mcp-session-id" not in discovered.headers
    result = discovered.json()["result"]
    assert result["supportedVersions"][0] == VERSION
    assert "2025-11-25" in result["supportedVersions"]
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "mfgate"
    assert result["resultType"] == "complete"

    listed = post(http, 2, "tools/list", params()).json()["result"]
    names = [tool["name"] for tool in listed["tools"]]
    assert "list_metrics" in names
    assert listed["ttlMs"] >= 0 and listed["cacheScope"] in ("public", "private")

    called = post(http, 3, "tools/call", params({"name": "list_metrics", "arguments": {}}))
    assert called.status_code == 200, called.text
    answer = called.json()["result"]
    assert answer["resultType"] == "complete"
    assert not answer.get("isError"), answer
    assert "revenue" in json.dumps(answer)


def test_http_errors_of_the_revision(http):
    unsupported = post(http, 4, "server/discover",
                       params(meta={"io.modelcontextprotocol/protocolVersion": "2099-01-01"}),
                       headers={"MCP-Protocol-Version": "2099-01-01"})
    assert unsupported.status_code == 400
    error = unsupported.json()["error"]
    assert error["code"] == -32022 and error["data"]["requested"] == "2099-01-01"
    assert VERSION in error["data"]["supported"]

    mismatch = post(http, 5, "tools/call", params({"name": "list_metrics"}),
                    headers={"Mcp-Name": "query"})
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == -32020
    assert mismatch.json()["id"] == 5

    no_meta = post(http, 6, "tools/list", {})
    assert no_meta.status_code == 400 and no_meta.json()["error"]["code"] == -32602

    removed = post(http, 7, "initialize", params())
    assert removed.status_code == 404 and removed.json()["error"]["code"] == -32601


def test_http_a_request_without_a_session_still_needs_a_key(http):
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong-key"}):
        refused = post(http, 8, "tools/call",
                       params({"name": "list_metrics", "arguments": {}}), headers=headers)
        assert refused.status_code == 401, refused.text
        assert "result" not in refused.json()


def test_http_older_client_still_gets_a_session(http):
    opened = http.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "old", "version": "1"}}}, headers=AUTH)
    assert opened.status_code == 200
    assert opened.json()["result"]["protocolVersion"] == "2025-11-25"
    assert opened.headers["mcp-session-id"]


def test_stdio_both_eras_on_one_process():
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        discovered = gateway.request(1, "server/discover", params())
        assert discovered["result"]["supportedVersions"][0] == VERSION
        called = gateway.request(2, "tools/call",
                                 params({"name": "list_metrics", "arguments": {}}))
        assert called["result"]["resultType"] == "complete", called
        assert gateway.request(3, "ping", params())["error"]["code"] == -32601
        # An older client's handshake on the same process is still served.
        gateway.initialize("2025-11-25")
        assert "result" in gateway.request(4, "ping")
    finally:
        assert gateway.close() == 0, gateway.stderr
