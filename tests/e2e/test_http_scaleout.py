"""Two gateway replicas with one configuration and one session secret, in
front of one real worker on the demo DuckDB project: any replica serves any
request of a session (no affinity), a DELETE is honoured at once by the
replica that got it and by the other within the token's lifetime, a replica
with another secret knows none of them, and an event stream resumed on a
replica that did not send its events ends with a retry hint."""

import json
import signal
import time

import httpx
import pytest

from harness import demo_project, gateway_env
from http_harness import HttpGateway
from raw_http import connect, read_response
from test_http_calls import call, response_of
from test_http_tenants import hash_key
from worker_harness import WorkerProcess

KEY = "scale-out-key"
SECRET = "a-secret-the-replicas-share-0123456789"
LIFETIME = 4  # limits.session_token_seconds: the revocation bound here.


def headers(session=None):
    h = {"Authorization": f"Bearer {KEY}"}
    if session:
        h["Mcp-Session-Id"] = session
    return h


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scaleout")
    project = demo_project()
    socket_path = tmp / "w.sock"
    worker = WorkerProcess(["--listen", f"unix:{socket_path}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project])
    gateways = []
    try:
        worker.wait_for("health: SERVING")
        config = tmp / "gateway.json"
        config.write_text(json.dumps({
            "tenants": [{"name": "demo", "worker": {"address": f"unix:{socket_path}"},
                         "api_key_sha256": [hash_key(KEY)]}],
            "limits": {"session_token_seconds": LIFETIME}}))
        env = gateway_env(project, MFGATE_SESSION_SECRET=SECRET)
        for _ in range(2):
            gateways.append(HttpGateway(env, ["--config", str(config)]))
        yield gateways, config, project
    finally:  # A gateway that failed to start leaves no worker behind.
        for gateway in gateways:
            gateway.close()
        worker.stop()


def test_a_session_opened_on_one_replica_is_served_by_the_other(replicas):
    (a, b), _, _ = replicas
    session = a.initialize(headers())
    listed = b.post("/mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                    headers(session))
    assert listed.status_code == 200, listed.text
    assert "query" in {tool["name"] for tool in listed.json()["result"]["tools"]}
    # Real queries, through the one worker, alternately on each replica.
    for request_id, replica in enumerate([b, a, b], start=3):
        reply = replica.post("/mcp", call(request_id, {"metrics": ["transactions"],
                                                       "group_by": ["metric_time__year"]}),
                             headers(session), timeout=180)
        assert reply.status_code == 200, reply.text
        result = response_of(reply)["result"]
        assert result["isError"] is False, result
        assert result["structuredContent"]["rows"]
    # The session's negotiated version came along: 2025-06-18 has no batches.
    batch = b.post("/mcp", [{"jsonrpc": "2.0", "id": 9, "method": "ping"}], headers(session))
    assert batch.status_code == 400 and batch.json()["error"]["code"] == -32600


def test_a_token_from_another_secret_or_tampered_is_unknown(replicas, tmp_path):
    (a, b), config, project = replicas
    session = a.initialize(headers())
    other = HttpGateway(gateway_env(project, MFGATE_SESSION_SECRET="x" * 40),
                        ["--config", str(config)])
    try:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert other.post("/mcp", ping, headers(session)).status_code == 404
    finally:
        other.close()
    tampered = session[:-3] + ("AAA" if not session.endswith("AAA") else "BBB")
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert b.post("/mcp", ping, headers(tampered)).status_code == 404


def test_delete_is_honoured_by_every_replica_within_the_token_lifetime(replicas):
    (a, b), _, _ = replicas
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    session = a.initialize(headers())
    issued = time.monotonic()
    assert b.post("/mcp", ping, headers(session)).status_code == 200
    assert httpx.delete(b.url + "/mcp", headers=headers(session)).status_code == 200
    # At once on the replica that got it.
    assert b.post("/mcp", ping, headers(session)).status_code == 404
    # The other replica cannot be told; it refuses the session once the
    # token expires.
    deadline = issued + LIFETIME + 5
    while a.post("/mcp", ping, headers(session)).status_code == 200:
        assert time.monotonic() < deadline, "the token outlived its lifetime"
        time.sleep(0.2)
    assert time.monotonic() - issued >= LIFETIME - 1
    assert a.post("/mcp", ping, headers(session)).status_code == 404


def test_a_stream_resumed_on_the_other_replica_ends_with_a_retry_hint(replicas):
    (a, b), _, _ = replicas
    session = a.initialize(headers())
    # A call that streams (a progress token): its events are A's.
    reply = a.post("/mcp", call(4, {"metrics": ["transactions"]}, progress=True),
                   headers(session), timeout=180)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    ids = [line[4:] for line in reply.text.splitlines() if line.startswith("id: ")]
    assert ids
    conn = connect(b.port, timeout=30)
    conn.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                 b"Authorization: Bearer " + KEY.encode() + b"\r\nMcp-Session-Id: " +
                 session.encode() + b"\r\nLast-Event-ID: " + ids[0].encode() + b"\r\n\r\n")
    status, head, body = read_response(conn, timeout=30)
    assert status == 200 and head["content-type"].startswith("text/event-stream")
    assert body.startswith(b"retry: 1000\n")
    conn.close()
    # Without Last-Event-ID the stream opens on B as usual.
    conn = connect(b.port, timeout=30)
    conn.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                 b"Authorization: Bearer " + KEY.encode() + b"\r\nMcp-Session-Id: " +
                 session.encode() + b"\r\n\r\n")
    status, head, _ = read_response(conn, timeout=30)
    assert status == 200 and "content-length" not in head
    conn.close()


def test_a_drain_ends_event_streams_with_a_retry_hint(replicas):
    _, config, project = replicas
    env = gateway_env(project, MFGATE_SESSION_SECRET=SECRET)
    server = HttpGateway(env, ["--config", str(config), "--drain-seconds", "5"])
    try:
        session = server.initialize(headers())
        conn = connect(server.port, timeout=30)
        conn.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                     b"Authorization: Bearer " + KEY.encode() + b"\r\nMcp-Session-Id: " +
                     session.encode() + b"\r\n\r\n")
        status, _, data = read_response(conn, timeout=30)
        assert status == 200
        server.process.send_signal(signal.SIGTERM)
        while not data.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        assert b"retry: 1000\n\n" in data
        assert server.process.wait(30) == 0
    finally:
        server.close()
