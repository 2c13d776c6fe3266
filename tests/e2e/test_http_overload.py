"""The HTTP server under attack and overload, against the real gateway: it
cannot be flooded (bodies and headers are bounded as they arrive), starved
(slow clients and event streams hold no thread /health needs) or split (a
second gateway cannot take its port), and overload is answered at once."""

import contextlib
import json
import socket
import subprocess
import threading
import time

import httpx
import pytest

from harness import GATEWAY, demo_project, gateway_env
from http_harness import HttpGateway
from raw_http import (closed_by_peer, connect, health_latency, read_response,
                      ready_seconds, request, rss_kb, send_chunked_until_answered)

MiB = 1 << 20
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "t", "version": "1"}}}


def limited(tmp_path, limits, tenant=None):
    """A gateway without keys (one tenant) with `limits` in its config."""
    tenant = tenant or {"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}}}
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({"tenants": [tenant], "limits": limits}))
    return HttpGateway(gateway_env(demo_project()), ["--config", str(path)])


@pytest.fixture(scope="module")
def open_gateway():
    """Default limits, no API key: what the attack reports ran against."""
    server = HttpGateway(gateway_env(demo_project()))
    yield server
    assert server.close() == 0


def test_chunked_bodies_past_the_limit_are_cut_off_and_cost_no_memory(open_gateway):
    port, pid = open_gateway.port, open_gateway.process.pid
    request(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    baseline = rss_kb(pid)
    for _ in range(4):  # The report: four 256 MiB bodies took it to 1.8 GB.
        status, sent = send_chunked_until_answered(port, b"/mcp", 64 << 10, 256 * MiB)
        assert status == 413
        # Refused once it passed max_body_bytes (4 MiB), not after reading on
        # (what the sockets' buffers took meanwhile comes on top).
        assert sent < 16 * MiB
    assert health_latency(port) < 0.1
    # What it held up to the limit is given back once it is quiet again.
    deadline = time.monotonic() + 10
    while rss_kb(pid) - baseline > 4 * 1024 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rss_kb(pid) - baseline < 4 * 1024


def test_a_compressed_body_is_refused(open_gateway):
    status, _, body = request(open_gateway.port, b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              b"Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd")
    assert status == 415 and json.loads(body)["error"]["code"] == -32600


def trickle(port, count, stop):
    """`count` connections that send a request's head one byte at a time."""
    conns = []
    for _ in range(count):
        conn = connect(port)
        conn.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        conns.append(conn)

    def drip():
        while not stop.wait(0.5):
            for conn in conns:
                try:
                    conn.send(b"a")
                except OSError:
                    pass
    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    return conns, thread


def test_two_hundred_slow_clients_starve_no_one(open_gateway):
    stop = threading.Event()
    conns, dripper = trickle(open_gateway.port, 200, stop)
    try:
        assert health_latency(open_gateway.port) < 0.1
        begin = time.monotonic()
        session = open_gateway.initialize({})
        reply = open_gateway.post("/mcp", {"jsonrpc": "2.0", "id": 2, "method": "ping"},
                                  {"Mcp-Session-Id": session})
        assert reply.status_code == 200 and reply.json()["result"] == {}
        assert time.monotonic() - begin < 2
    finally:
        stop.set()
        dripper.join()
        for conn in conns:
            conn.close()


def test_a_slow_client_is_cut_off_after_the_read_deadline(tmp_path):
    server = limited(tmp_path, {"request_read_seconds": 1, "keep_alive_seconds": 1})
    try:
        stop = threading.Event()
        (slow,), dripper = trickle(server.port, 1, stop)
        status, _, body = read_response(slow, timeout=5)
        assert status == 408 and json.loads(body)["error"]["code"] == -32600
        assert closed_by_peer(slow, 5)
        stop.set()
        dripper.join()
        # An idle kept-alive connection is closed after keep_alive_seconds.
        idle = connect(server.port)
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(idle)[0] == 200
        assert closed_by_peer(idle, 5)
    finally:
        server.close()


def open_sse(port, count):
    streams = []
    for _ in range(count):
        conn = connect(port)
        conn.sendall(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        status, headers, _ = read_response(conn)  # Chunked: the head only.
        streams.append((conn, status, headers))
    return streams


def test_open_event_streams_leave_health_and_requests_served(tmp_path):
    server = limited(tmp_path, {"max_sessions_per_tenant": 200,
                                "requests_per_second": 1000, "burst": 1000})
    streams = []
    try:
        streams = open_sse(server.port, 130)
        assert all(status == 200 for _, status, _ in streams)
        assert health_latency(server.port) < 0.1
        session = server.initialize({})
        assert server.post("/mcp", {"jsonrpc": "2.0", "id": 2, "method": "ping"},
                           {"Mcp-Session-Id": session}).status_code == 200
    finally:
        for conn, _, _ in streams:
            conn.close()
        server.close()


@pytest.mark.parametrize("limits,refusal", [
    ({"max_event_streams": 2}, 503),            # No thread left for a stream.
    ({"max_event_streams_per_tenant": 2}, 429),  # This tenant has its share.
])
def test_event_streams_are_bounded_in_all_and_per_tenant(tmp_path, limits, refusal):
    server = limited(tmp_path, limits)
    streams = []
    try:
        streams = open_sse(server.port, 3)
        assert [status for _, status, _ in streams] == [200, 200, refusal]
        assert int(streams[2][2]["retry-after"]) >= 1
        assert health_latency(server.port) < 0.1
        # A closed stream gives its place back.
        streams[0][0].close()
        deadline = time.monotonic() + 10
        while True:
            (conn, status, _), = open_sse(server.port, 1)
            streams.append((conn, status, None))
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # Poll until the closed stream's thread is free.
        assert status == 200
    finally:
        for conn, _, _ in streams:
            conn.close()
        server.close()


def test_connections_past_the_limit_get_503(tmp_path):
    server = limited(tmp_path, {"max_connections": 4})
    idle = [connect(server.port) for _ in range(4)]
    try:
        # Connections are accepted in the order they came: the fifth is over.
        status, headers, body = request(server.port, b"GET /health HTTP/1.1\r\n\r\n")
        assert status == 503 and int(headers["retry-after"]) >= 1
        assert json.loads(body)["error"]["code"] == -32000
    finally:
        for conn in idle:
            conn.close()
        server.close()


def test_request_bytes_held_over_all_connections_are_bounded(tmp_path):
    server = limited(tmp_path, {"max_buffered_request_bytes": MiB})
    try:
        body = b"x" * (2 * MiB)  # Under max_body_bytes, over what may be held.
        status, headers, reply = request(
            server.port, b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert status == 503 and int(headers["retry-after"]) >= 1
        assert json.loads(reply)["error"]["code"] == -32000
        assert health_latency(server.port) < 0.1
    finally:
        server.close()


def test_a_client_that_does_not_read_its_answers_is_cut_off(tmp_path):
    server = limited(tmp_path, {"send_timeout_seconds": 1, "max_connections": 1})
    try:
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", server.port))
        ping = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 40\r\n\r\n" + b'{"jsonrpc":"2.0","id":1,"method":"ping"}')
        stuck.setblocking(False)
        try:
            for _ in range(100000):  # Answers pile up unread; so do requests.
                stuck.send(ping)
        except BlockingIOError:
            pass
        # It holds the only connection until its answers stop being taken
        # for send_timeout_seconds; then the next client is served.
        deadline = time.monotonic() + 20
        while True:
            status = request(server.port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             b"Connection: close\r\n\r\n")[0]
            if status == 200:
                break
            assert status == 503 and time.monotonic() < deadline
            time.sleep(0.2)
        stuck.close()
    finally:
        server.close()


def test_request_threads_and_their_queue_are_bounded(tmp_path):
    ghost = {"name": "ghost", "worker": {"address": "unix:/nonexistent/mfgate.sock"}}
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({"tenants": [ghost], "timeouts": {"list_seconds": 20},
                                "limits": {"http_threads": 1, "max_queued_requests": 0}}))
    server = HttpGateway(gateway_env(demo_project()),
                         ["--config", str(path), "--drain-seconds", "0"])
    try:
        session = server.initialize({})
        headers = {"Mcp-Session-Id": session}
        call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "list_metrics", "arguments": {}}}
        # The one thread waits for a worker that never comes. The call is
        # sent again while the pings below hold the thread and it is refused.
        def hold_the_thread():
            with contextlib.suppress(httpx.HTTPError):  # The gateway stops.
                while server.post("/mcp", call, headers).status_code == 503:
                    pass

        waiting = threading.Thread(target=hold_the_thread, daemon=True)
        waiting.start()
        deadline = time.monotonic() + 10
        while True:
            reply = server.post("/mcp", {"jsonrpc": "2.0", "id": 4, "method": "ping"}, headers)
            if reply.status_code == 503 or time.monotonic() > deadline:
                break
        assert reply.status_code == 503 and int(reply.headers["retry-after"]) >= 1
        assert reply.json()["error"]["code"] == -32000
        assert health_latency(server.port) < 0.1
    finally:
        server.close()


def test_ready_is_answered_at_once_from_what_the_gateway_knows(open_gateway, tmp_path):
    # A worker that is there: ready once its engine serves.
    deadline = time.monotonic() + 120
    while ready_seconds(open_gateway.port)[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert sorted(ready_seconds(open_gateway.port)[1] for _ in range(5))[2] < 0.1
    # A worker that never answers: not ready, and /ready does not wait for it.
    ghost = limited(tmp_path, {}, {"name": "ghost",
                                   "worker": {"address": "unix:/nonexistent/w.sock"}})
    try:
        answers = [ready_seconds(ghost.port) for _ in range(5)]
        assert all(status == 503 for status, _ in answers)
        assert sorted(seconds for _, seconds in answers)[2] < 0.1  # The median.
    finally:
        ghost.close()


def test_header_count_and_size_are_bounded(open_gateway):
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(200))
    status, _, body = request(open_gateway.port,
                              b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n")
    assert status == 431 and json.loads(body)["error"]["code"] == -32600
    big = b"X-Big: " + b"a" * (40 << 10) + b"\r\n"
    status, _, _ = request(open_gateway.port,
                           b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + b"\r\n")
    assert status == 431


def test_a_second_gateway_on_a_taken_port_fails_to_start(open_gateway):
    second = subprocess.Popen(
        [str(GATEWAY), "--transport", "http", "--listen", f"127.0.0.1:{open_gateway.port}"],
        env=gateway_env(demo_project()), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, stderr = second.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # It serves the port too: the bug.
        second.kill()
        second.communicate()
        pytest.fail("a second gateway started on a port already served")
    assert second.returncode != 0
    assert b"already in use" in stderr
    assert health_latency(open_gateway.port) < 0.1


def test_failures_inside_the_gateway_are_json_rpc_errors_with_a_body(open_gateway):
    # A number JSON cannot hold made the parser throw: an empty 500 before.
    reply = open_gateway.post("/mcp", b'{"jsonrpc":"2.0","id":1,"method":"initialize",'
                              b'"params":{"x":1e400}}')
    assert reply.content, "an empty answer"
    error = reply.json()["error"]
    assert "exception_what" not in reply.headers
    if reply.status_code == 500:
        assert error == {"code": -32603, "message": "Internal error"}
    # httplib's own answers carry a body too.
    reply = httpx.get(open_gateway.url + "/no/such/path")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == -32600
