"""Hostile input over HTTP against the real gateway — Streamable HTTP (/mcp)
and the legacy /messages/ — inside a session: deep nesting, numbers that
overflow a double, wrong types, batches. Each gets its documented error and
the same process, and the same session, then serve a normal request."""

import json
import queue
import threading

import httpx
import pytest

from harness import demo_project, gateway_env
from http_harness import HttpGateway

KEY = "walls-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
DEEP = 100000  # ~200 KB of nested arrays.


@pytest.fixture(scope="module")
def gateway():
    server = HttpGateway(gateway_env(demo_project(), MCP_REQUIRE_AUTH="true", MCP_API_KEY=KEY))
    yield server
    assert server.process.poll() is None, server.log
    assert server.close() == 0, server.log


def open_session(gateway, version="2025-06-18"):
    reply = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                  "params": {"protocolVersion": version, "capabilities": {},
                                             "clientInfo": {"name": "t", "version": "1"}}},
                         AUTH)
    assert reply.status_code == 200, reply.text
    headers = dict(AUTH, **{"Mcp-Session-Id": reply.headers["mcp-session-id"]})
    assert gateway.post("/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                        headers).status_code == 202
    return headers


def assert_serving(gateway, headers):
    reply = gateway.post("/mcp", {"jsonrpc": "2.0", "id": "alive", "method": "ping"}, headers)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"jsonrpc": "2.0", "id": "alive", "result": {}}


def assert_error(body, code, request_id, *words):
    assert body["id"] == request_id, body
    assert body["error"]["code"] == code, body
    for word in words:
        assert word in body["error"]["message"], body


def deep_arrays():
    return b"[" * DEEP + b"]" * DEEP


@pytest.mark.parametrize("body,code,words", [
    (b'{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":' + deep_arrays() + b"}}",
     -32600, "deeper than 64"),
    (deep_arrays(), -32600, "deeper than 64"),
    (b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}', -32700, "number out of range"),
    (b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query",'
     b'"arguments":{"limit":-1e999}}}', -32700, "number out of range"),
], ids=["deep-params", "deep-body", "overflow-id", "overflow-argument"])
def test_hostile_bodies_are_refused_and_the_session_serves_on(gateway, body, code, words):
    headers = open_session(gateway)
    reply = gateway.post("/mcp", body, headers)
    assert reply.status_code == 400, reply.text
    assert_error(reply.json(), code, None, words)
    assert_serving(gateway, headers)


def test_a_wrong_type_is_invalid_params_not_a_500(gateway):
    headers = open_session(gateway)
    reply = gateway.post("/mcp", {
        "jsonrpc": "2.0", "id": 3, "method": "completion/complete",
        "params": {"ref": {"type": "ref/prompt", "name": "explore_metric"},
                   "argument": {"name": "metric", "value": 5}}}, headers)
    assert reply.status_code == 200, reply.text
    assert_error(reply.json(), -32602, 3, '"argument.value"')
    assert_serving(gateway, headers)
    # The same id, well typed, is served (the wrong type was a 500 before).
    reply = gateway.post("/mcp", {
        "jsonrpc": "2.0", "id": 3, "method": "completion/complete",
        "params": {"ref": {"type": "ref/prompt", "name": "explore_metric"},
                   "argument": {"name": "metric", "value": "trans"}}}, headers)
    assert "transactions" in reply.json()["result"]["completion"]["values"], reply.text


class LegacyStream:
    """A legacy SSE session: its endpoint, and the messages of its stream."""

    def __init__(self, gateway):
        self.messages = queue.Queue()
        self._endpoint = queue.Queue()
        self._client = httpx.Client(timeout=httpx.Timeout(60, read=None))
        threading.Thread(target=self._read, args=(gateway,), daemon=True).start()
        self.endpoint = self._endpoint.get(timeout=30)

    def _read(self, gateway):
        try:
            with self._client.stream("GET", gateway.url + "/sse", headers=AUTH) as stream:
                event = None
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        event = line[len("event: "):]
                    elif line.startswith("data: "):
                        data = line[len("data: "):]
                        if event == "endpoint":
                            self._endpoint.put(data)
                        else:
                            self.messages.put(json.loads(data))
        except httpx.HTTPError:
            pass  # close() ended the stream; a test waiting on it times out.

    def next(self):
        return self.messages.get(timeout=60)

    def close(self):
        self._client.close()


def test_legacy_messages_are_walled_too(gateway):
    stream = LegacyStream(gateway)
    try:
        post = lambda body: gateway.post(stream.endpoint, body, AUTH)  # noqa: E731
        assert post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}}}).status_code == 202
        assert stream.next()["id"] == 1
        reply = post(b'{"jsonrpc":"2.0","id":2,"method":"ping","params":' + deep_arrays() + b"}")
        assert reply.status_code == 400
        assert_error(reply.json(), -32600, None, "deeper than 64")
        reply = post(b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}')
        assert reply.status_code == 400
        assert_error(reply.json(), -32700, None)
        assert post({"jsonrpc": "2.0", "id": 3, "method": "prompts/get",
                     "params": {"name": "explore_metric",
                                "arguments": {"metric": 7}}}).status_code == 202
        assert_error(stream.next(), -32602, 3, '"arguments.metric"')
        assert post({"jsonrpc": "2.0", "id": 4, "method": "ping"}).status_code == 202
        assert stream.next() == {"jsonrpc": "2.0", "id": 4, "result": {}}
    finally:
        stream.close()


def test_batches_are_served_under_2025_03_26(gateway):
    headers = open_session(gateway, "2025-03-26")
    reply = gateway.post("/mcp", [
        {"jsonrpc": "2.0", "id": "a", "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {}},
        {"jsonrpc": "2.0", "id": "b", "method": "tools/call",
         "params": {"name": "list_metrics", "arguments": {"search": "transactions"}}},
        "not a message",
    ], headers)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    answers = reply.json()
    assert [a["id"] for a in answers] == ["a", "b", None], answers
    assert answers[0]["result"] == {}
    assert not answers[1]["result"]["isError"], answers[1]
    assert answers[2]["error"]["code"] == -32600
    reply = gateway.post("/mcp", [{"jsonrpc": "2.0", "method": "notifications/initialized"}],
                         headers)
    assert reply.status_code == 202 and reply.text == ""
    assert_serving(gateway, headers)


def test_batches_are_refused_under_other_revisions(gateway):
    headers = open_session(gateway, "2025-06-18")
    reply = gateway.post("/mcp", [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], headers)
    assert reply.status_code == 400, reply.text
    assert_error(reply.json(), -32600, None, "2025-03-26")
    assert_serving(gateway, headers)
