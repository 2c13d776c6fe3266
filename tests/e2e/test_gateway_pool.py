"""The gateway's side of the worker's engine pool, with the real gateway,
worker, engines and DuckDB (the demo project).

- Each MCP session is one caller of the worker's fair share: with one
  engine, a session that floods queries does not starve another session's
  query (completion order).
- A spawn block's `engines`, `engine_queue` and `engine_idle_seconds` reach
  the worker the gateway spawns: it runs that many engine processes.
- The query tool's `limit` follows the worker's row cap (--max-rows) once
  the worker has said it: tools/list shows it and a larger limit is refused
  naming it.
"""

import json
import pathlib
import threading
import time

from harness import RawStdio, demo_project, gateway_env
from http_harness import HttpGateway
from pool_harness import Tenant, engine_pids, text_of
from worker_harness import WorkerProcess, copy_project

import sys
from harness import REPO
sys.path.insert(0, str(REPO / "worker" / "engine" / "host" / "testdata"))
from slow_view import make_slow  # noqa: E402


def answer_of(reply):
    """The JSON-RPC response in a POST's reply (JSON, or an event stream)."""
    assert reply.status_code == 200, reply.text
    if reply.headers.get("content-type", "").startswith("text/event-stream"):
        for line in reply.text.splitlines():
            if line.startswith("data: "):
                message = json.loads(line[6:])
                if "id" in message and "method" not in message:
                    return message
        raise AssertionError(reply.text)
    return reply.json()


def test_a_flooding_session_does_not_starve_another(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    # Each query of the transactions first counts 3*10^7 numbers: a few
    # tenths of a second, so that calls queue behind the one engine.
    make_slow(next(project.glob("*.duckdb")), "transactions", rows=3 * 10**7)
    socket = tmp_path / "w.sock"
    worker = WorkerProcess(["--listen", f"unix:{socket}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project,
                            "--engines", "1"])
    gateway = None
    try:
        worker.wait_for("health: SERVING")
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({"tenants": [
            {"name": "t", "worker": {"address": f"unix:{socket}"}}]}))
        gateway = HttpGateway(gateway_env(project), ["--config", config])
        sessions = {name: gateway.initialize({}) for name in ("flood", "other")}
        lock = threading.Lock()
        finished = []  # (session, n) in the order their answers came.

        def call(session, n):
            reply = gateway.post(
                "/mcp", {"jsonrpc": "2.0", "id": n, "method": "tools/call",
                         "params": {"name": "query", "arguments": {
                             "metrics": ["transactions"],
                             "group_by": ["metric_time__day"], "limit": 100 + n}}},
                {"Mcp-Session-Id": sessions[session],
                 "MCP-Protocol-Version": "2025-06-18"}, timeout=300)
            message = answer_of(reply)
            assert not message["result"]["isError"], message
            with lock:
                finished.append((session, n))

        flood = [threading.Thread(target=call, args=("flood", n)) for n in range(6)]
        for thread in flood:
            thread.start()
        # Once the first flooding call is answered, the others have long
        # been sent: they wait for the engine.
        deadline = time.monotonic() + 300
        while True:
            with lock:
                if finished:
                    break
            assert time.monotonic() < deadline, gateway.log + worker.log
            time.sleep(0.01)
        other = threading.Thread(target=call, args=("other", 99))
        other.start()
        for thread in flood + [other]:
            thread.join(300)
        assert len(finished) == 7, finished
        position = finished.index(("other", 99))
        # Served first come, first served, the other session would wait for
        # every flooding call; shared fairly, it takes its turn among them.
        assert len(finished) - 1 - position >= 2, finished
    finally:
        if gateway is not None:
            gateway.close()
        worker.stop()


def worker_under(gateway_pid):
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (int(stat.rsplit(")", 1)[1].split()[1]) == gateway_pid
                and command[0].endswith(b"mfgate-worker")):
            return int(entry.name), [part.decode() for part in command]
    return None, []


def test_a_spawned_worker_runs_the_configured_engines(tmp_path):
    project = demo_project()
    config = tmp_path / "gateway.json"
    config.write_text(json.dumps({"tenants": [{"name": "t", "worker": {"spawn": {
        "project_dir": str(project), "engines": 3, "engine_queue": 5,
        "engine_idle_seconds": 600}}}]}))
    gateway = RawStdio(gateway_env(project), ["--config", config])
    try:
        gateway.initialize()
        reply = gateway.request(1, "tools/call", {"name": "query", "arguments": {
            "metrics": ["transactions"], "limit": 1}}, timeout=300)
        assert not reply["result"]["isError"], reply
        pid, command = worker_under(gateway.process.pid)
        assert pid is not None, gateway.stderr
        assert command[command.index("--engine-queue") + 1] == "5", command
        assert command[command.index("--engine-idle-seconds") + 1] == "600"
        # The pool grows one engine at a time to the configured 3 (DuckDB's
        # default would be 2).
        deadline = time.monotonic() + 300
        while len(engine_pids(pid)) != 3 or gateway.stderr.count("engine: ready") < 3:
            assert time.monotonic() < deadline, (engine_pids(pid), gateway.stderr)
            time.sleep(0.1)
        assert "engines: 3 for duckdb" in gateway.stderr
    finally:
        gateway.close()


def limit_schema(tenant):
    """The query tool's `limit` schema in a tools/list of `tenant`'s gateway
    (its reader thread takes every answer)."""
    with tenant._lock:
        tenant._next_id += 1
        request_id = tenant._next_id
    tenant.gateway.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/list"})
    answered = tenant.answer(request_id, timeout=60)
    assert answered is not None, tenant.log
    tools = answered[0]["tools"]
    return next(t for t in tools if t["name"] == "query")["inputSchema"]["properties"]["limit"]


def test_the_limit_follows_the_workers_row_cap(tmp_path):
    tenant = Tenant(tmp_path, demo_project(), ["--max-rows", "50", "--default-limit", "50"])
    try:
        # The worker says its cap on its manifest stream, which the gateway
        # follows from the start.
        deadline = time.monotonic() + 60
        while limit_schema(tenant)["maximum"] != 50:
            assert time.monotonic() < deadline, (limit_schema(tenant), tenant.log)
            time.sleep(0.05)
        assert limit_schema(tenant)["default"] == 50
        result, _ = tenant.call("query", {"metrics": ["transactions"], "limit": 51})
        assert result["isError"], result
        assert "at most 50" in text_of(result), text_of(result)
        result, _ = tenant.call("query", {"metrics": ["transactions"],
                                          "group_by": ["metric_time__day"], "limit": 50})
        assert not result["isError"], text_of(result)
    finally:
        tenant.close()
