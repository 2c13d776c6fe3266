"""HTTP sessions under churn, against the real gateway: abandoned sessions
never lock a tenant out (the least recently used idle one makes room, idle
ones expire on a timer) and their memory is given back; sessions in use are
kept, and a client refused for want of one is told when to retry."""

import json
import time

import httpx
import pytest

from harness import demo_project, gateway_env
from http_harness import HttpGateway, free_port
from raw_http import connect, read_response, rss_kb
from test_observability import sample, scrape

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "t", "version": "1"}}}
UNLIMITED_RATE = {"requests_per_second": 1e6, "burst": 1e6}


def gateway_with(tmp_path, limits, *args):
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({
        "tenants": [{"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}}}],
        "limits": limits}))
    return HttpGateway(gateway_env(demo_project()), ["--config", str(path), *args])


def test_abandoned_sessions_never_lock_a_tenant_out_and_their_memory_returns(tmp_path):
    # Default session limits (64 per tenant, 30 idle minutes); only the rate
    # limit is lifted, to open sessions fast.
    server = gateway_with(tmp_path, UNLIMITED_RATE)
    try:
        with httpx.Client(timeout=30) as client:
            def initialize():
                reply = client.post(server.url + "/mcp", json=INITIALIZE, headers={
                    "Accept": "application/json, text/event-stream"})
                return reply.status_code
            for _ in range(100):  # Warm up: allocator arenas, thread caches.
                assert initialize() == 200
            baseline = rss_kb(server.process.pid)
            codes = [initialize() for _ in range(2000)]
        assert codes == [200] * 2000  # The 65th was refused for 30 minutes.
        deadline = time.monotonic() + 15
        while rss_kb(server.process.pid) - baseline > 3 * 1024 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rss_kb(server.process.pid) - baseline < 3 * 1024
    finally:
        server.close()


def test_idle_sessions_expire_on_a_timer(tmp_path):
    metrics_port = free_port()
    server = gateway_with(tmp_path, {"idle_session_seconds": 1},
                          "--metrics-listen", f"127.0.0.1:{metrics_port}")
    try:
        for _ in range(3):
            server.initialize({})
        assert sample(scrape(metrics_port), "mfgate_open_sessions") == 3
        # No new session arrives: the sweep alone expires them.
        deadline = time.monotonic() + 10
        while sample(scrape(metrics_port), "mfgate_open_sessions") != 0:
            assert time.monotonic() < deadline, "idle sessions were not swept"
            time.sleep(0.2)
    finally:
        server.close()


def open_get_stream(server, session):
    conn = connect(server.port)
    conn.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                 b"Mcp-Session-Id: " + session.encode() + b"\r\n\r\n")
    status, _, _ = read_response(conn)
    assert status == 200
    return conn


def test_sessions_in_use_are_kept_and_a_refusal_says_when_to_retry(tmp_path):
    server = gateway_with(tmp_path, {"max_sessions_per_tenant": 2})
    streams = []
    try:
        first, second = server.initialize({}), server.initialize({})
        streams = [open_get_stream(server, first), open_get_stream(server, second)]
        refused = server.post("/mcp", INITIALIZE)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) == 1
        assert refused.json()["error"]["code"] == -32000
        # Both sessions in use still answer.
        for session in (first, second):
            assert server.post("/mcp", {"jsonrpc": "2.0", "id": 2, "method": "ping"},
                               {"Mcp-Session-Id": session}).status_code == 200
        # Once a stream closes, its session is idle: the next one evicts it.
        streams.pop().close()
        deadline = time.monotonic() + 10
        while server.post("/mcp", INITIALIZE).status_code != 200:
            assert time.monotonic() < deadline
        # The evicted session's memory went; its id, a signed token, rebuilds
        # it on its next request (making room in turn) while it is valid.
        assert server.post("/mcp", {"jsonrpc": "2.0", "id": 3, "method": "ping"},
                           {"Mcp-Session-Id": second}).status_code == 200
    finally:
        for conn in streams:
            conn.close()
        server.close()
