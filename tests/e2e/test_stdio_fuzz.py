"""A seeded mutation fuzzer over stdio against the real gateway.

It takes a valid message of every method the gateway serves, first puts each
hostile value in each of its fields (a sweep), then mutates messages at
random until its time budget is spent: numbers that overflow a double, deep
nesting, values of every wrong type, deleted and added fields, swapped
methods, batches (refused under 2025-06-18), truncated lines and flipped
bytes. After each message it sends a ping and reads up to that ping's answer.

It asserts that the gateway never dies and answers every request with an id:
JSON-RPC's own rules (not the gateway's code) say which messages get an
answer with their id, which an error with a null id (text that is not JSON,
or JSON that is not a message), and which none (notifications, responses).

MFGATE_FUZZ_SEED and MFGATE_FUZZ_SECONDS override the seed (printed on
failure) and the budget (20 s)."""

import json
import os
import random
import time

import pytest

from harness import RawStdio, demo_project, gateway_env

SEED = int(os.environ.get("MFGATE_FUZZ_SEED", "20261130"))
BUDGET = float(os.environ.get("MFGATE_FUZZ_SECONDS", "20"))
MAX_DEPTH = 64  # Documented in README.md ("Errors").

REF = {"type": "ref/prompt", "name": "explore_metric"}
QUERY = {"metrics": ["transactions"], "group_by": ["metric_time__month"],
         "where": "{{ Dimension('customer__customer_country') }} = 'US'",
         "order": ["-metric_time__month"], "limit": 3}
# Every method the gateway serves, each with valid params.
REQUESTS = [
    ("ping", None),
    ("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "fuzz", "version": "1"}}),
    ("tools/list", {"cursor": None}),
    ("tools/call", {"name": "list_metrics", "arguments": {"search": "trans"}}),
    ("tools/call", {"name": "list_dimensions", "arguments": {"metrics": ["transactions"]}}),
    ("tools/call", {"name": "list_entities", "arguments": {"metrics": ["transactions"]}}),
    ("tools/call", {"name": "list_saved_queries", "arguments": {}}),
    ("tools/call", {"name": "query", "arguments": QUERY, "_meta": {"progressToken": "p"}}),
    ("tools/call", {"name": "compile_sql", "arguments": QUERY}),
    ("tools/call", {"name": "list_dimension_values",
                    "arguments": {"dimension": "customer__customer_country",
                                  "metrics": ["transactions"]}}),
    ("tools/call", {"name": "health_checks", "arguments": {}}),
    ("resources/list", {}),
    ("resources/templates/list", {}),
    ("resources/read", {"uri": "metricflow://metric/transactions"}),
    ("resources/subscribe", {"uri": "metricflow://metric/transactions"}),
    ("resources/unsubscribe", {"uri": "metricflow://metric/transactions"}),
    ("prompts/list", {}),
    ("prompts/get", {"name": "compare_periods",
                     "arguments": {"metric": "transactions", "grain": "month"}}),
    ("completion/complete", {"ref": REF, "argument": {"name": "metric", "value": "tr"},
                             "context": {"arguments": {"grain": "month"}}}),
    ("logging/setLevel", {"level": "warning"}),
]
NOTIFICATIONS = [
    ("notifications/initialized", None),
    ("notifications/cancelled", {"requestId": "nothing-running", "reason": "fuzz"}),
    ("notifications/progress", {"progressToken": "p", "progress": 1}),
]
METHODS = sorted({m for m, _ in REQUESTS + NOTIFICATIONS})
TOOLS = ["list_metrics", "list_dimensions", "list_entities", "list_saved_queries",
         "query", "compile_sql", "list_dimension_values", "health_checks", "nope"]


class Raw:
    """JSON text placed as it is: what json.dumps cannot write."""

    def __init__(self, text, breaks=False, depth=0):
        self.text = text      # bytes
        self.breaks = breaks  # Not JSON for the gateway: 1e400, NaN, bad UTF-8.
        self.depth = depth    # Nesting of arrays it adds.


def deep(depth):
    return Raw(b"[" * depth + b"]" * depth, depth=depth)


def evil_values(rng):
    """Hostile values: out of range, deep, and one of every JSON type."""
    nested = []
    for _ in range(rng.randint(1, 12)):
        nested = [nested]
    return [
        Raw(b"1e400", breaks=True), Raw(b"-1E+999", breaks=True),
        Raw(b"NaN", breaks=True), Raw(b"Infinity", breaks=True),
        Raw(b'"\xff\xfe"', breaks=True), Raw(b'"\\ud800"', breaks=True),
        deep(rng.choice([1, 30, 62, 63, 64, 65, 100, 5000, 100000])),
        None, True, False, 0, -1, 2**63, 2**64 + 1, -(2**63) - 1, 1.5, 1e308, -0.0,
        "", "x" * rng.choice([1, 300, 70000]), "\u2028\u00e9\U0001F600", "metricflow://",
        [], {}, [1, "a", None], {"a": {"b": []}}, nested, ["transactions"] * 100,
    ]


def depth_of(value):
    if isinstance(value, Raw):
        return value.depth
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max((depth_of(v) for v in items), default=0)
    return 0


def breaks(value):
    if isinstance(value, Raw):
        return value.breaks
    if isinstance(value, dict):
        return any(breaks(v) for v in value.values())
    if isinstance(value, list):
        return any(breaks(v) for v in value)
    return False


def encode(value):
    """JSON bytes of `value`, Raw parts spliced in."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return b"{" + b",".join(json.dumps(k).encode() + b":" + encode(v)
                                for k, v in value.items()) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(encode(v) for v in value) + b"]"
    return json.dumps(value).encode()


def valid_id(value):
    if isinstance(value, bool):
        return False
    return isinstance(value, str) or (isinstance(value, int) and -(2**63) <= value < 2**64)


NULL = object()  # An error with a null id.
NONE = object()  # No answer.


def expected(message):
    """What JSON-RPC says `message` gets: NULL, NONE, or its id."""
    if breaks(message) or depth_of(message) > MAX_DEPTH:
        return NULL
    if isinstance(message, list):  # A batch: this session's revision has none.
        return NULL
    if not isinstance(message, dict):
        return NULL
    has_id = "id" in message
    if has_id and not valid_id(message["id"]):
        return NULL
    answer = message["id"] if has_id else NULL
    if message.get("jsonrpc") != "2.0":
        return answer
    if "method" not in message:
        if has_id and ("result" in message or "error" in message):
            return NONE  # A response from the client.
        return answer
    method = message["method"]
    if not isinstance(method, str) or not method:
        return answer
    params = message.get("params", [])
    if not (isinstance(params, (dict, list)) or (isinstance(params, Raw) and params.depth)):
        return answer
    return answer if has_id else NONE


def paths(value, prefix=()):
    """Every path to a value inside `value`."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, prefix + (i,))


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


class Fuzzer:
    def __init__(self, gateway, rng):
        self.gateway = gateway
        self.rng = rng
        self.n = 0
        self.counts = {"answered": 0, "null": 0, "none": 0, "unknown": 0}

    def base(self):
        method, params = self.rng.choice(REQUESTS + NOTIFICATIONS)
        message = {"jsonrpc": "2.0", "method": method}
        if (method, params) in REQUESTS:
            self.n += 1
            message["id"] = self.rng.choice([self.n, f"fuzz-{self.n}"])
        if params is not None:
            message["params"] = json.loads(json.dumps(params))
        return message

    def mutate(self, message):
        rng = self.rng
        kind = rng.randrange(7)
        holders = [p for p in paths(message) if isinstance(self.at(message, p), dict)]
        if not holders or (kind == 1 and not any(self.at(message, p) for p in holders)):
            kind = 0  # Not an object (any more): only replacing it is left.
        if kind == 0:  # Any field, the message itself included.
            return replaced(message, rng.choice(list(paths(message))),
                            rng.choice(evil_values(rng)))
        if kind == 1:  # Delete a field.
            path = rng.choice([p for p in holders if self.at(message, p)])
            holder = dict(self.at(message, path))
            del holder[rng.choice(list(holder))]
            return replaced(message, path, holder)
        if kind == 2:  # Add a field.
            path = rng.choice(holders)
            holder = dict(self.at(message, path))
            holder[rng.choice(["_meta", "cursor", "x", "arguments", "id", "result"])] = \
                rng.choice(evil_values(rng))
            return replaced(message, path, holder)
        if kind == 3 and isinstance(message, dict):  # Another method, or tool.
            message = dict(message, method=rng.choice(METHODS))
            if isinstance(message.get("params"), dict) and "name" in message["params"]:
                message["params"] = dict(message["params"], name=rng.choice(TOOLS))
            return message
        if kind == 4:  # A batch.
            return [message] + [self.base() for _ in range(rng.randrange(3))]
        return self.mutate(self.mutate(message))  # Two at once.

    @staticmethod
    def at(value, path):
        for key in path:
            value = value[key]
        return value

    def send(self, line, expect):
        """Sends `line`, then a ping; reads until both are answered."""
        gateway = self.gateway
        self.n += 1
        sync = f"sync-{self.n}"
        gateway.send_bytes(line.replace(b"\n", b" ") + b"\n")
        gateway.send({"jsonrpc": "2.0", "id": sync, "method": "ping"})
        got_null = got_id = got_sync = False
        while not (got_sync and (got_id or expect in (NULL, NONE, None))):
            message = gateway.read(timeout=60)
            if not isinstance(message, dict) or "method" in message:
                continue  # Notifications (progress, logs).
            if message.get("id") == sync:
                assert expect is not NULL or got_null, (
                    f"seed {SEED}: no error with a null id for {len(line)} bytes: "
                    f"{line[:200]!r} ... {line[-200:]!r}")
                got_sync = True
            elif expect not in (NULL, NONE, None) and message.get("id") == expect:
                got_id = True
            elif message.get("id") is None and "error" in message:
                got_null = True
        key = ("unknown" if expect is None else "null" if expect is NULL
               else "none" if expect is NONE else "answered")
        self.counts[key] += 1

    def send_message(self, message):
        self.send(encode(message), expected(message))


@pytest.fixture(scope="module")
def gateway():
    process = RawStdio(gateway_env(demo_project()))
    process.initialize()
    # The worker's first answer takes MetricFlow's load; not the fuzzer's time.
    reply = process.request("warm", "tools/call", {"name": "list_metrics", "arguments": {}},
                            timeout=300)
    assert "result" in reply, reply
    yield process
    assert process.process.poll() is None, f"seed {SEED}: the gateway died\n{process.stderr}"
    assert process.close() == 0, process.stderr


def test_mutated_messages_never_kill_the_gateway_and_every_request_is_answered(gateway):
    rng = random.Random(SEED)
    fuzzer = Fuzzer(gateway, rng)
    deadline = time.monotonic() + BUDGET
    # The sweep: each hostile value in each field of each method's message.
    for method, params in REQUESTS + NOTIFICATIONS:
        message = {"jsonrpc": "2.0", "method": method}
        if (method, params) in REQUESTS:
            message["id"] = "sweep"
        if params is not None:
            message["params"] = params
        for path in paths(message):
            for value in evil_values(rng):
                if time.monotonic() > deadline:
                    break
                fuzzer.n += 1
                unique = dict(message, id=f"sweep-{fuzzer.n}") if "id" in message else message
                fuzzer.send_message(replaced(unique, path, value))
    swept = dict(fuzzer.counts, seconds=round(BUDGET - (deadline - time.monotonic()), 1))
    # Then random mutations, truncated lines and flipped bytes until the budget.
    while time.monotonic() < deadline:
        message = fuzzer.mutate(fuzzer.base())
        line = encode(message)
        choice = rng.random()
        if choice < 0.1 and isinstance(message, dict):
            # A proper prefix of an object is never JSON.
            fuzzer.send(line[:rng.randrange(1, len(line))], NULL)
        elif choice < 0.2:
            flipped = bytearray(line)
            flipped[rng.randrange(len(flipped))] = rng.choice(b'{}[]",:\\0e-\x00\xff ')
            fuzzer.send(bytes(flipped), None)  # Unknown: the gateway must only live.
        else:
            fuzzer.send_message(message)
    print(f"fuzz seed {SEED}: sweep {swept}, in all {fuzzer.counts}")
    assert fuzzer.counts["answered"] > 100, fuzzer.counts
    assert gateway.process.poll() is None, f"seed {SEED}: the gateway died"
