"""SIGTERM drains the HTTP gateway, against the real worker and DuckDB: new
connections and requests are refused at once, calls in flight finish within
--drain-seconds and are cancelled past it, and the gateway exits."""

import json
import signal
import socket
import time

from harness import gateway_env
from http_harness import HttpGateway
from raw_http import connect, read_response
from test_http_calls import call, raw_post, response_of

# Seconds over a tenth of the rows; minutes over all of them.
PART = {"metrics": ["slow_rows"], "where": "{{ Dimension('slow_row__part') }} < 8000"}
ALL = {"metrics": ["slow_rows"]}


def start(slow_project, drain_seconds):
    server = HttpGateway(gateway_env(slow_project), ["--drain-seconds", str(drain_seconds)])
    session = server.initialize({})
    warm = server.post("/mcp", call(1, {"metrics": ["revenue"]}), {"Mcp-Session-Id": session},
                       timeout=120)
    assert response_of(warm)["result"]["isError"] is False  # The engine is up.
    return server, session


def call_in_flight(server, session, arguments):
    """A call whose first event (the worker has it) was read: it is running."""
    conn = connect(server.port, timeout=180)
    conn.sendall(raw_post(server.port, call(5, arguments, progress=True), session))
    status, headers, data = read_response(conn, timeout=180)
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    while b"notifications/progress" not in data:
        data += conn.recv(65536)
    return conn, data


def rest_of_stream(conn, data):
    """The JSON-RPC messages of an event stream, read to its end."""
    while not data.endswith(b"0\r\n\r\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return [json.loads(line[6:]) for line in data.decode().splitlines()
            if line.startswith("data: ")]


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


def test_sigterm_lets_calls_in_flight_finish_and_refuses_new_ones(slow_project):
    server, session = start(slow_project, 60)
    try:
        kept = connect(server.port)  # A kept-alive connection, idle.
        kept.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(kept)[0] == 200
        conn, data = call_in_flight(server, session, PART)
        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not refused(server.port):  # No new connection once it drains.
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # A request on a connection already open is refused too.
        kept.sendall(b"GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, headers, _ = read_response(kept)
        assert status == 503 and headers["connection"] == "close"
        # The call in flight finishes, with its rows.
        answer = rest_of_stream(conn, data)[-1]
        assert answer["id"] == 5 and answer["result"]["isError"] is False
        assert answer["result"]["structuredContent"]["rows"]
        assert server.process.wait(60) == 0
    finally:
        server.close()


def test_sigterm_cancels_calls_past_the_grace(slow_project):
    server, session = start(slow_project, 1)
    try:
        conn, data = call_in_flight(server, session, ALL)
        begin = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        # Cancelled after a second, streams closed, workers stopped: the
        # gateway is gone long before the query's minutes.
        assert server.process.wait(60) == 0
        assert time.monotonic() - begin < 20
        messages = rest_of_stream(conn, data)
        assert not any("result" in message for message in messages)
    finally:
        server.close()
