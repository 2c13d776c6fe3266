"""MCP over HTTP — Streamable HTTP and legacy SSE — with the official Python
client, API keys, tenants, and the attacks each must stop."""

import asyncio
import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamablehttp_client

from harness import demo_project, gateway_env
from http_harness import HttpGateway

KEY = "demo-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def gateway():
    server = HttpGateway(gateway_env(demo_project(), MCP_REQUIRE_AUTH="true", MCP_API_KEY=KEY))
    yield server
    assert server.close() == 0


async def streamable_call(url, headers, tool, arguments):
    async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool(tool, arguments)


async def sse_call(url, headers, tool, arguments):
    async with sse_client(url + "/sse", headers=headers) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool(tool, arguments)


def test_health_is_open_and_says_nothing_of_tenants(gateway):
    reply = httpx.get(gateway.url + "/health")
    assert reply.status_code == 200
    assert reply.json()["status"] == "healthy"
    assert "default" not in reply.text


def test_streamable_http_with_the_sdk(gateway):
    result = asyncio.run(streamable_call(gateway.url, AUTH, "query", {
        "metrics": ["transactions"], "group_by": ["customer__customer_country"],
        "order": ["customer__customer_country"]}))
    assert not result.isError, result.content[0].text
    assert [row[0] for row in result.structuredContent["rows"]] == ["CA", "FR", "MX", "US"]


def test_legacy_sse_with_the_sdk(gateway):
    result = asyncio.run(sse_call(gateway.url, {"X-API-Key": KEY}, "list_metrics",
                                  {"search": "cancel"}))
    assert not result.isError
    assert {m["name"] for m in result.structuredContent["metrics"]} >= {"cancellations"}


@pytest.mark.parametrize("headers,url_suffix", [
    ({}, ""), ({"Authorization": "Bearer wrong"}, ""), ({"X-API-Key": "wrong"}, ""),
    ({}, f"?api_key={KEY}"), ({"Authorization": f"Basic {KEY}"}, "")])
def test_missing_wrong_or_misplaced_keys_are_refused(gateway, headers, url_suffix):
    reply = gateway.post("/mcp" + url_suffix, {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                         headers)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert KEY not in reply.text


def test_ready_needs_a_key_and_reports_the_worker(gateway):
    assert httpx.get(gateway.url + "/ready").status_code == 401
    assert httpx.get(gateway.url + "/ready", headers=AUTH).status_code in (200, 503)


def test_legacy_messages_need_the_key_too(gateway):
    with httpx.stream("GET", gateway.url + "/sse", headers=AUTH, timeout=10) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "event: endpoint"
        endpoint = next(lines).removeprefix("data: ")
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert gateway.post(endpoint, body).status_code == 401
        assert gateway.post(endpoint, body, AUTH).status_code == 202


def test_evil_origin_is_forbidden(gateway):
    reply = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                         {**AUTH, "Origin": "http://evil.example"})
    assert reply.status_code == 403


LOOK_ALIKES = ["[::1].evil.example", "localhost.evil.example", "127.0.0.1.nip.io",
               "[::1]evil", "localhost:80.evil.example"]


@pytest.mark.parametrize("host", LOOK_ALIKES)
def test_hosts_that_only_start_like_loopback_are_refused(gateway, host):
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert gateway.post("/mcp", ping, {**AUTH, "Host": host}).status_code == 403
    assert httpx.get(gateway.url + "/ready", headers={**AUTH, "Host": host}).status_code == 403
    # Loopback names, with or without the port, are served.
    for good in ["localhost", f"localhost:{gateway.port}", f"127.0.0.1:{gateway.port}"]:
        assert httpx.get(gateway.url + "/ready", headers={**AUTH, "Host": good}
                         ).status_code in (200, 503)


@pytest.mark.parametrize("host", LOOK_ALIKES)
def test_origins_that_only_start_like_loopback_are_refused(gateway, host):
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert gateway.post("/mcp", ping, {**AUTH, "Origin": f"http://{host}"}).status_code == 403
    assert gateway.post("/mcp", ping, {**AUTH, "Origin": f"http://localhost:{gateway.port}"}
                        ).status_code == 400  # Admitted; no session yet.


def test_oversized_body_is_refused_and_serving_goes_on(gateway):
    reply = gateway.post("/mcp", b"x" * (5 << 20), AUTH)
    assert reply.status_code == 413
    assert httpx.get(gateway.url + "/health").status_code == 200


def test_streamable_http_status_codes(gateway):
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    assert gateway.post("/mcp", ping, {**AUTH, "Content-Type": "text/plain"}).status_code == 415
    assert gateway.post("/mcp", ping, {**AUTH, "Accept": "text/html"}).status_code == 406
    assert gateway.post("/mcp", ping, AUTH).status_code == 400  # No session.
    assert gateway.post("/mcp", ping, {**AUTH, "Mcp-Session-Id": "nope"}).status_code == 404
    assert gateway.post("/mcp", b"{broken", AUTH).json()["error"]["code"] == -32700
    session = gateway.initialize(AUTH)
    headers = {**AUTH, "Mcp-Session-Id": session}
    assert gateway.post("/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                        headers).status_code == 202
    reply = gateway.post("/mcp", ping, headers)
    assert reply.status_code == 200 and reply.json()["result"] == {}
    assert gateway.post("/mcp", ping, {**headers, "MCP-Protocol-Version": "1999-01-01"}
                        ).status_code == 400
    assert httpx.put(gateway.url + "/mcp", headers=headers).status_code == 405
    assert httpx.delete(gateway.url + "/mcp", headers=headers).status_code == 200
    assert gateway.post("/mcp", ping, headers).status_code == 404


def test_unauthenticated_gateway_refuses_a_public_address():
    import subprocess
    from harness import GATEWAY
    done = subprocess.run([str(GATEWAY), "--transport", "http", "--listen", "0.0.0.0:0"],
                          env=gateway_env(demo_project()), capture_output=True, timeout=60)
    assert done.returncode != 0
    assert b"refusing to serve without authentication" in done.stderr


def sse_events(lines):
    """Yields (id, data) of the server-sent events in an iterator of lines."""
    event_id, data = None, None
    for line in lines:
        if line.startswith("id: "):
            event_id = int(line[4:])
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and data is not None:
            yield event_id, json.loads(data)
            event_id, data = None, None


def test_one_event_stream_per_session_and_resumption_with_last_event_id(gateway):
    session = gateway.initialize(AUTH)
    headers = {**AUTH, "Mcp-Session-Id": session, "Accept": "text/event-stream"}
    call = {"jsonrpc": "2.0", "id": 77, "method": "tools/call",
            "params": {"name": "list_metrics", "arguments": {},
                       "_meta": {"progressToken": "p77"}}}
    # Read the first event of the call's stream, then drop the connection.
    with httpx.stream("POST", gateway.url + "/mcp", headers={
            **AUTH, "Mcp-Session-Id": session, "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream"},
            content=json.dumps(call), timeout=60) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        first_id, first = next(sse_events(stream.iter_lines()))
    assert first["method"] == "notifications/progress"
    # Reconnect with Last-Event-ID: the rest of the call's events come back.
    with httpx.stream("GET", gateway.url + "/mcp",
                      headers={**headers, "Last-Event-ID": str(first_id)}, timeout=60) as stream:
        assert httpx.get(gateway.url + "/mcp", headers=headers, timeout=10).status_code == 409
        replayed = []
        for event_id, message in sse_events(stream.iter_lines()):
            assert event_id > first_id
            replayed.append(message)
            if message.get("id") == 77:
                break
    assert replayed[-1]["result"]["structuredContent"]["metrics"]


def test_a_call_with_nothing_to_stream_is_answered_as_json(gateway):
    """A tools/call that sends nothing before its response (no progress
    token, no logs) comes back as one application/json body; with a progress
    token it is an event stream (see the resumption test above)."""
    session = gateway.initialize(AUTH)
    headers = {**AUTH, "Mcp-Session-Id": session}
    gateway.post("/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    reply = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                                  "params": {"name": "list_metrics", "arguments": {}}},
                         headers)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["id"] == 5 and not body["result"].get("isError")
    assert "transactions" in {m["name"] for m in body["result"]["structuredContent"]["metrics"]}
