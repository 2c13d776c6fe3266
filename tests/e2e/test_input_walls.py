"""Hostile input over stdio against the real gateway: numbers that overflow
a double, deep nesting, wrong types in every field a method reads, batches.
Each gets its documented JSON-RPC error, and the same process then answers
a ping (it keeps serving)."""

import pytest

from harness import RawStdio, demo_project, gateway_env

DEEP = 100000  # ~200 KB of nested arrays.


def deep_arrays(depth=DEEP):
    return b"[" * depth + b"]" * depth


def nested_list(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.fixture(scope="module")
def raw():
    gateway = RawStdio(gateway_env(demo_project()))
    gateway.initialize("2025-03-26")
    yield gateway
    assert gateway.close() == 0, gateway.stderr


def assert_still_serving(raw, request_id="alive"):
    assert raw.request(request_id, "ping") == {
        "jsonrpc": "2.0", "id": request_id, "result": {}}, raw.stderr


def assert_error(reply, code, request_id, *words):
    assert "error" in reply, reply
    assert reply["id"] == request_id, reply
    assert reply["error"]["code"] == code, reply
    for word in words:
        assert word in reply["error"]["message"], reply


@pytest.mark.parametrize("line", [
    b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}',
    b'{"jsonrpc":"2.0","id":7,"method":"tools/call",'
    b'"params":{"name":"query","arguments":{"metrics":["transactions"],"limit":1e400}}}',
    b'{"jsonrpc":"2.0","id":7,"method":"ping","params":{"_meta":{"progressToken":-1E+999}}}',
], ids=["id", "tool-argument", "progress-token"])
def test_a_number_that_overflows_a_double_is_a_parse_error(raw, line):
    raw.send_bytes(line + b"\n")
    assert_error(raw.read(), -32700, None, "number out of range")
    assert_still_serving(raw)


@pytest.mark.parametrize("line", [
    b'{"jsonrpc":"2.0","id":8,"method":"ping","params":{"x":' + deep_arrays() + b"}}",
    b'{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"query",'
    b'"arguments":{"metrics":' + deep_arrays() + b"}}}",
    deep_arrays(),
    b"[" * 65 + b"1" + b"]" * 65,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b"[" * 300000,  # Never closed.
], ids=["params", "tool-argument", "top-level", "65-levels", "objects", "unclosed"])
def test_nesting_deeper_than_64_levels_is_an_invalid_request(raw, line):
    raw.send_bytes(line + b"\n")
    assert_error(raw.read(), -32600, None, "deeper than 64")
    assert_still_serving(raw)


def test_64_levels_are_accepted(raw):
    # The message and its params are two levels; x holds 62 more.
    reply = raw.request(9, "ping", {"x": nested_list(62)})
    assert reply == {"jsonrpc": "2.0", "id": 9, "result": {}}


COMPLETION_REF = {"type": "ref/prompt", "name": "explore_metric"}

# (method, params, the field the error must name)
WRONG_TYPES = [
    ("completion/complete", {"ref": COMPLETION_REF, "argument": {"name": "metric", "value": 5}},
     "argument.value"),
    ("completion/complete", {"ref": COMPLETION_REF, "argument": {"name": ["metric"], "value": ""}},
     "argument.name"),
    ("completion/complete", {"ref": {"type": 3}, "argument": {"name": "metric", "value": ""}},
     "ref.type"),
    ("completion/complete", {"ref": {"type": "ref/resource", "uri": {}},
                             "argument": {"name": "name", "value": ""}}, "ref.uri"),
    ("completion/complete", {"ref": COMPLETION_REF, "argument": "metric"}, "argument"),
    ("completion/complete", {"ref": COMPLETION_REF, "argument": {"name": "metric", "value": "t"},
                             "context": {"arguments": {"metric": 1}}},
     "context.arguments.metric"),
    ("prompts/get", {"name": 5}, "name"),
    ("prompts/get", {"name": "explore_metric", "arguments": {"metric": 12}}, "arguments.metric"),
    ("prompts/get", {"name": "explore_metric", "arguments": ["transactions"]}, "arguments"),
    ("resources/read", {"uri": 1e300}, "uri"),
    ("resources/subscribe", {"uri": None}, "uri"),
    ("resources/list", {"cursor": 5}, "cursor"),
    ("tools/list", {"cursor": {"page": 2}}, "cursor"),
    ("prompts/list", {"cursor": []}, "cursor"),
    ("ping", {"_meta": "token"}, "_meta"),
    ("tools/list", {"_meta": {"progressToken": {"a": 1}}}, "_meta.progressToken"),
    ("tools/call", {"name": "list_metrics", "arguments": {},
                    "_meta": {"progressToken": 1.5}}, "_meta.progressToken"),
    ("tools/call", {"name": 5}, "name"),
    ("tools/call", {"name": "list_metrics", "arguments": "search=x"}, "arguments"),
    ("logging/setLevel", {"level": 3}, "level"),
    ("logging/setLevel", {}, "level"),
]


@pytest.mark.parametrize("method,params,field", WRONG_TYPES,
                         ids=[f"{m}:{f}" for m, _, f in WRONG_TYPES])
def test_a_wrong_type_is_invalid_params_naming_the_field(raw, method, params, field):
    reply = raw.request(10, method, params)
    assert_error(reply, -32602, 10, f'"{field}"')
    assert_still_serving(raw)


def test_completion_with_a_string_value_still_completes(raw):
    reply = raw.request(11, "completion/complete", {
        "ref": COMPLETION_REF, "argument": {"name": "metric", "value": "trans"}})
    assert "transactions" in reply["result"]["completion"]["values"], reply


@pytest.mark.parametrize("request_id", [{"a": 1}, [1], None, True, 1.5])
def test_cancelling_with_a_request_id_of_the_wrong_type_is_ignored(raw, request_id):
    raw.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
              "params": {"requestId": request_id, "reason": 5}})
    assert_still_serving(raw)  # A notification gets no answer; the next ping does.


@pytest.mark.parametrize("params,field", [
    ({"protocolVersion": 20250618, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
     "protocolVersion"),
    ({"protocolVersion": "2025-06-18", "capabilities": [], "clientInfo": {"name": "t"}},
     "capabilities"),
    ({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": "t"}, "clientInfo"),
    ({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": 1}},
     "clientInfo.name"),
    ({"protocolVersion": "2025-06-18", "capabilities": {},
      "clientInfo": {"name": "t", "version": 2.0}}, "clientInfo.version"),
])
def test_initialize_with_a_wrong_type_is_invalid_params(params, field):
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        assert_error(gateway.request(1, "initialize", params), -32602, 1, f'"{field}"')
        # Still uninitialized, and still serving: a good initialize succeeds.
        assert gateway.initialize()["result"]["protocolVersion"] == "2025-06-18"
        assert_still_serving(gateway)
    finally:
        gateway.close()


def read_batch(raw):
    reply = raw.read()
    assert isinstance(reply, list), reply
    return reply


def test_a_batch_is_answered_as_one_batch_under_2025_03_26(raw):
    raw.send_bytes(
        b'[{"jsonrpc":"2.0","id":"b1","method":"ping"},'
        b'{"jsonrpc":"2.0","method":"notifications/progress","params":{}},'
        b'{"jsonrpc":"2.0","id":"b2","method":"tools/call",'
        b'"params":{"name":"list_metrics","arguments":{"search":"transactions"}}},'
        b'42,'
        b'{"jsonrpc":"2.0","id":"b3","method":"no/such/method"},'
        b'{"jsonrpc":"2.0","id":"b4","method":"initialize","params":{}}]\n')
    replies = read_batch(raw)
    assert [r["id"] for r in replies] == ["b1", "b2", None, "b3", "b4"], replies
    assert replies[0]["result"] == {}
    assert not replies[1]["result"]["isError"], replies[1]
    assert replies[2]["error"]["code"] == -32600
    assert replies[3]["error"]["code"] == -32601
    assert_error(replies[4], -32600, "b4", "batch")
    assert_still_serving(raw)


def test_a_batch_of_notifications_gets_no_answer(raw):
    raw.send_bytes(b'[{"jsonrpc":"2.0","method":"notifications/initialized"},'
                   b'{"jsonrpc":"2.0","method":"notifications/cancelled",'
                   b'"params":{"requestId":"none"}}]\n')
    assert_still_serving(raw)  # The next message is the ping's answer.


@pytest.mark.parametrize("line", [
    b"[]", b"[" + b",".join([b'{"jsonrpc":"2.0","method":"n"}'] * 65) + b"]",
], ids=["empty", "65-messages"])
def test_empty_and_oversized_batches_are_one_invalid_request(raw, line):
    raw.send_bytes(line + b"\n")
    assert_error(raw.read(), -32600, None)
    assert_still_serving(raw)


@pytest.mark.parametrize("version", ["2024-11-05", "2025-06-18", "2025-11-25", None])
def test_batches_are_refused_where_the_revision_has_none(version):
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        if version is not None:
            gateway.initialize(version)
        gateway.send_bytes(b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n')
        assert_error(gateway.read(), -32600, None, "batch")
        assert_still_serving(gateway)
    finally:
        gateway.close()


def test_subscriptions_are_bounded(raw):
    for i in range(256):
        assert raw.request(f"sub-{i}", "resources/subscribe",
                           {"uri": f"metricflow://metric/m{i}"})["result"] == {}
    reply = raw.request("sub-full", "resources/subscribe", {"uri": "metricflow://metric/more"})
    assert_error(reply, -32602, "sub-full", "too many subscriptions (limit 256)")
    # Subscribing again to one held is fine; unsubscribing makes room.
    assert raw.request("again", "resources/subscribe",
                       {"uri": "metricflow://metric/m0"})["result"] == {}
    assert raw.request("unsub", "resources/unsubscribe",
                       {"uri": "metricflow://metric/m0"})["result"] == {}
    assert raw.request("room", "resources/subscribe",
                       {"uri": "metricflow://metric/more"})["result"] == {}
