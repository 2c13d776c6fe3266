"""Calls over HTTP that a client abandons or confuses, against the real
gateway, worker, engine and DuckDB: a client that disconnects cancels its
query (the tenant's next call is not held behind it), and a request that
reuses an id still in flight is answered at once."""

import json
import threading
import time

import httpx
import pytest

from harness import demo_project, gateway_env
from http_harness import HttpGateway, free_port
from raw_http import connect, read_response
from test_observability import sample, scrape

# Minutes over all rows (the call's deadline, 120 s, comes first).
SLOW = {"metrics": ["slow_rows"]}
QUICK = {"metrics": ["revenue"]}


def call(request_id, arguments, progress=False):
    params = {"name": "query", "arguments": arguments}
    if progress:
        params["_meta"] = {"progressToken": f"p{request_id}"}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def raw_post(port, body, session):
    text = json.dumps(body).encode()
    return (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nMcp-Session-Id: "
            + session.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(text) + text)


def response_of(reply):
    """The JSON-RPC response of a POST: its JSON body, or the last message of
    its event stream (a call that takes long is answered as one)."""
    if reply.headers["content-type"].startswith("text/event-stream"):
        messages = [json.loads(line[6:]) for line in reply.text.splitlines()
                    if line.startswith("data: ")]
        return messages[-1]
    return reply.json()


@pytest.fixture(scope="module")
def slow_gateway(slow_project):
    metrics_port = free_port()
    server = HttpGateway(gateway_env(slow_project),
                         ["--metrics-listen", f"127.0.0.1:{metrics_port}"])
    server.metrics_port = metrics_port
    session = server.initialize({})
    reply = server.post("/mcp", call(1, QUICK), {"Mcp-Session-Id": session}, timeout=120)
    assert response_of(reply)["result"]["isError"] is False  # The engine is up.
    yield server
    server.close()


def quick_call_seconds(server):
    """How long a new session's quick query (the engine's next call) takes."""
    begin = time.monotonic()
    session = server.initialize({})
    reply = server.post("/mcp", call(2, QUICK), {"Mcp-Session-Id": session}, timeout=150)
    assert response_of(reply)["result"]["isError"] is False, reply.text
    return time.monotonic() - begin


def cancelled_calls(server):
    return sample(scrape(server.metrics_port), "mfgate_tool_calls_total",
                  tenant="default", tool="query", outcome="cancelled") or 0


def await_cancelled_calls(server, count):
    """Whether `count` calls were counted cancelled within 60 s: the gateway
    hears of a client gone when it next polls the connection, and with a
    pool of engines the next call does not wait for that."""
    deadline = time.monotonic() + 60
    while cancelled_calls(server) != count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_client_that_disconnects_cancels_its_query(slow_gateway):
    before = cancelled_calls(slow_gateway)
    session = slow_gateway.initialize({})
    conn = connect(slow_gateway.port)
    conn.sendall(raw_post(slow_gateway.port, call(3, SLOW), session))
    conn.close()  # Gone before any answer: nothing to resume, so cancelled.
    # Without the cancel an engine would run the scan to the call's deadline
    # (120 s); with it, that engine's query is stopped (seconds).
    assert await_cancelled_calls(slow_gateway, before + 1)
    assert quick_call_seconds(slow_gateway) < 45


def test_a_legacy_sse_client_that_disconnects_cancels_its_query(slow_gateway):
    before = cancelled_calls(slow_gateway)
    stream = connect(slow_gateway.port)
    stream.sendall(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    status, _, first = read_response(stream)
    assert status == 200
    while b"session_id=" not in first:
        first += stream.recv(4096)
    endpoint = first.split(b"data: ")[1].split(b"\r\n")[0].split(b"\n")[0].decode()
    url = slow_gateway.url + endpoint
    for message in [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}}},
                    {"jsonrpc": "2.0", "method": "notifications/initialized"},
                    call(4, SLOW)]:
        assert httpx.post(url, json=message, timeout=10).status_code == 202
    stream.close()  # The session, and its call, end with the stream.
    assert await_cancelled_calls(slow_gateway, before + 1)
    assert quick_call_seconds(slow_gateway) < 45


@pytest.fixture(scope="module")
def ghost_gateway(tmp_path_factory):
    """A tenant whose worker never answers: its calls stay in flight."""
    path = tmp_path_factory.mktemp("ghost") / "gateway.json"
    path.write_text(json.dumps({
        "tenants": [{"name": "ghost", "worker": {"address": "unix:/nonexistent/w.sock"}}],
        "timeouts": {"list_seconds": 20}}))
    server = HttpGateway(gateway_env(demo_project()), ["--config", str(path)])
    yield server
    server.close()


def test_a_request_reusing_an_id_in_flight_is_answered_at_once(ghost_gateway):
    session = ghost_gateway.initialize({})
    headers = {"Mcp-Session-Id": session}
    same_id = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
               "params": {"name": "list_metrics", "arguments": {}}}
    answers = []

    def post():
        begin = time.monotonic()
        reply = ghost_gateway.post("/mcp", same_id, headers)
        answers.append((time.monotonic() - begin, response_of(reply)))
    posts = [threading.Thread(target=post) for _ in range(2)]
    for thread in posts:
        thread.start()
    for thread in posts:
        thread.join(60)
    # Whichever came second was answered at once; the first waited for its
    # worker to the list deadline (20 s).
    (quick, refused), (slow, result) = sorted(answers, key=lambda answer: answer[0])
    assert quick < 5, answers
    assert refused["error"]["code"] == -32600
    assert "id already in use" in refused["error"]["message"]
    assert slow > 15 and result["result"]["isError"]
