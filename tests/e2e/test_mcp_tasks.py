"""MCP tasks against the real gateway (real worker, engine and DuckDB): a
`query` run as a task and polled from later requests — the 2026-07-28 tasks
extension over Streamable HTTP and stdio, 2025-11-25's experimental tasks in
a session — and a task that another tenant cannot see."""

import json
import time

import pytest

from harness import RawStdio, demo_project, gateway_env
from http_harness import HttpGateway
from test_http_tenants import hash_key

VERSION = "2026-07-28"
TASKS = "io.modelcontextprotocol/tasks"
KEYS = {"demo": "tasks-demo-key", "slow": "tasks-slow-key"}
NAMED = {"tools/call": "name", "tasks/get": "taskId", "tasks/cancel": "taskId"}
QUICK = {"metrics": ["revenue_usd"], "group_by": ["metric_time__year"], "limit": 3}
SLOW = {"metrics": ["slow_rows"]}


def params(extra=None, tasks=True):
    capabilities = {"extensions": {TASKS: {}}} if tasks else {}
    return dict(extra or {}, _meta={
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": capabilities})


@pytest.fixture(scope="module")
def gateway(slow_project, tmp_path_factory):
    config = {"tenants": [
        {"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}},
         "api_key_sha256": [hash_key(KEYS["demo"])]},
        {"name": "slow", "worker": {"spawn": {"project_dir": str(slow_project)}},
         "api_key_sha256": [hash_key(KEYS["slow"])]}]}
    path = tmp_path_factory.mktemp("config") / "gateway.json"
    path.write_text(json.dumps(config))
    server = HttpGateway(gateway_env(demo_project()), ["--config", str(path)])
    yield server
    assert server.close() == 0


def post(gateway, tenant, request_id, method, body_params):
    """One stateless request: a POST of its own, no session."""
    headers = {"Authorization": f"Bearer {KEYS[tenant]}", "MCP-Protocol-Version": VERSION,
               "Mcp-Method": method}
    if method in NAMED:
        headers["Mcp-Name"] = body_params[NAMED[method]]
    reply = gateway.post("/mcp", {"jsonrpc": "2.0", "id": request_id, "method": method,
                                  "params": body_params}, headers=headers)
    assert "mcp-session-id" not in reply.headers
    return reply.json()


def poll(request, task_id, timeout=120):
    """tasks/get until the task has ended; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = request("tasks/get", params({"taskId": task_id}))
        if got["result"]["status"] != "working":
            return got["result"]
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} still working after {timeout} s")


def test_http_query_runs_as_a_task_polled_from_later_requests(gateway):
    ids = iter(range(1, 1000))

    def request(method, body):
        return post(gateway, "demo", next(ids), method, body)

    capabilities = request("server/discover", params())["result"]["capabilities"]
    assert TASKS in capabilities["extensions"]
    created = request("tools/call", params({"name": "query", "arguments": QUICK}))["result"]
    assert created["resultType"] == "task", created
    assert created["status"] == "working" and created["ttlMs"] > 0
    done = poll(request, created["taskId"])
    assert done["status"] == "completed", done
    assert not done["result"].get("isError"), done
    assert "revenue" in json.dumps(done["result"])

    # A tool that forbids tasks, and a client that did not declare them, are
    # answered at once.
    listed = request("tools/call", params({"name": "list_metrics", "arguments": {}}))
    assert listed["result"]["resultType"] == "complete", listed
    sync = request("tools/call", params({"name": "query", "arguments": QUICK}, tasks=False))
    assert sync["result"]["resultType"] == "complete", sync
    assert "revenue" in json.dumps(sync["result"])


def test_http_another_tenants_task_is_not_found_and_cancel_ends_it(gateway):
    ids = iter(range(1, 1000))
    created = post(gateway, "slow", next(ids), "tools/call",
                   params({"name": "query", "arguments": SLOW}))["result"]
    task_id = created["taskId"]
    for method in ("tasks/get", "tasks/cancel"):
        refused = post(gateway, "demo", next(ids), method, params({"taskId": task_id}))
        assert refused["error"]["code"] == -32602, refused
    still = post(gateway, "slow", next(ids), "tasks/get", params({"taskId": task_id}))
    assert still["result"]["status"] == "working", still

    ack = post(gateway, "slow", next(ids), "tasks/cancel", params({"taskId": task_id}))
    assert ack["result"] == {"resultType": "complete"}, ack
    ended = post(gateway, "slow", next(ids), "tasks/get", params({"taskId": task_id}))
    assert ended["result"]["status"] == "cancelled", ended
    assert "result" not in ended["result"]
    # The cancelled query no longer holds the worker: a quick call is served.
    quick = post(gateway, "slow", next(ids), "tools/call",
                 params({"name": "list_metrics", "arguments": {}}, tasks=False))
    assert quick["result"]["resultType"] == "complete", quick


def test_stdio_tasks_of_both_revisions():
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        ids = iter(range(10, 1000))

        def request(method, body):
            return gateway.request(next(ids), method, body)

        created = request("tools/call", params({"name": "query", "arguments": QUICK}))
        assert created["result"]["resultType"] == "task", created
        done = poll(request, created["result"]["taskId"])
        assert done["status"] == "completed" and "revenue" in json.dumps(done["result"])

        initialized = gateway.initialize("2025-11-25")
        assert "call" in initialized["result"]["capabilities"]["tasks"]["requests"]["tools"]
        tools = {tool["name"]: tool for tool in request("tools/list", {})["result"]["tools"]}
        assert tools["query"]["execution"]["taskSupport"] == "optional"
        assert tools["list_metrics"]["execution"]["taskSupport"] == "forbidden"
        task = request("tools/call", {"name": "query", "arguments": QUICK,
                                      "task": {"ttl": 60000}})["result"]["task"]
        assert task["status"] == "working" and task["ttl"] == 60000
        result = request("tasks/result", {"taskId": task["taskId"]})["result"]
        assert "revenue" in json.dumps(result["content"])
        assert result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"] == task["taskId"]
        listed = request("tasks/list", {})["result"]["tasks"]
        assert [t["taskId"] for t in listed] == [task["taskId"]]
        forbidden = request("tools/call", {"name": "list_metrics", "arguments": {},
                                           "task": {}})
        assert forbidden["error"]["code"] == -32601, forbidden
    finally:
        assert gateway.close() == 0, gateway.stderr
