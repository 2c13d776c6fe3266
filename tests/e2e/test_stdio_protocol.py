"""Bad input over stdio: each gets a precise JSON-RPC error and the gateway
keeps serving. Uses raw newline-delimited JSON-RPC, not the SDK."""

import pytest

from harness import RawStdio, demo_project, gateway_env


@pytest.fixture(scope="module")
def raw():
    gateway = RawStdio(gateway_env(demo_project()))
    gateway.initialize()
    yield gateway
    assert gateway.close() == 0, gateway.stderr


def assert_still_serving(raw, request_id):
    assert raw.request(request_id, "ping") == {
        "jsonrpc": "2.0", "id": request_id, "result": {}}


def test_malformed_json_is_a_parse_error(raw):
    raw.send_bytes(b'{"jsonrpc": "2.0", "id": 1, "method": \n')
    reply = raw.read()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    assert_still_serving(raw, 101)


def test_unknown_method(raw):
    reply = raw.request(2, "metrics/explode")
    assert reply["error"]["code"] == -32601
    assert "metrics/explode" in reply["error"]["message"]
    assert_still_serving(raw, 102)


def test_invalid_request_shapes(raw):
    raw.send({"jsonrpc": "1.0", "id": 3, "method": "ping"})
    assert raw.read()["error"]["code"] == -32600
    raw.send({"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"})
    assert raw.read()["error"]["code"] == -32600
    assert_still_serving(raw, 103)


def test_oversize_line_is_refused_and_the_next_served(raw):
    raw.send_bytes(b'{"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":"'
                   + b"a" * (5 << 20) + b'"}}\n')
    reply = raw.read()
    assert "error" in reply
    assert "too large" in reply["error"]["message"]
    assert_still_serving(raw, 104)


def test_tool_call_with_non_object_arguments(raw):
    reply = raw.request(5, "tools/call", {"name": "list_metrics", "arguments": [1]})
    assert reply["error"]["code"] == -32602
    assert_still_serving(raw, 105)


def test_string_ids_are_echoed(raw):
    assert raw.request("abc-1", "ping")["id"] == "abc-1"


@pytest.mark.parametrize("asked,answered", [
    ("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"),
    ("2025-06-18", "2025-06-18"), ("2025-11-25", "2025-11-25"),
    ("1999-01-01", "2025-11-25")])
def test_version_negotiation(asked, answered):
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        reply = gateway.request(1, "initialize", {
            "protocolVersion": asked, "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}})
        assert reply["result"]["protocolVersion"] == answered
        assert "tools" in reply["result"]["capabilities"]
    finally:
        gateway.close()
