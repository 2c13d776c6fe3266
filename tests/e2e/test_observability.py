"""Observability from outside: the gateway's and the worker's Prometheus
/metrics, and the gateway's JSON log with one audit event per tool call that
never carries row data."""

import asyncio
import json
import os
import re
import signal
import time

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from harness import McpSession, demo_project, gateway_env
from http_harness import HttpGateway, free_port
from worker_harness import WorkerProcess, copy_project


def scrape(port):
    reply = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    return reply.text


def sample(text, name, **labels):
    """The value of the series `name{labels}` (labels in any order), or None."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if found == {k: str(v) for k, v in labels.items()}:
            return float(match.group(4))
    return None


async def session_calls(url, calls):
    async with streamablehttp_client(url + "/mcp") as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return [await session.call_tool(name, args) for name, args in calls]


@pytest.fixture(scope="module")
def observed_gateway():
    metrics_port = free_port()
    gateway = HttpGateway(gateway_env(demo_project()),
                          ["--metrics-listen", f"127.0.0.1:{metrics_port}",
                           "--log-format", "json"])
    yield gateway, metrics_port
    gateway.close()


QUERY = {"metrics": ["transactions"], "group_by": ["metric_time__day"],
         "order": ["metric_time__day"], "limit": 3}


def test_gateway_metrics_count_calls_by_tenant_tool_and_outcome(observed_gateway):
    gateway, port = observed_gateway
    ok, bad, query = asyncio.run(session_calls(gateway.url, [
        ("list_metrics", {}), ("query", {"metrics": ["no_such_metric"]}), ("query", QUERY)]))
    assert not ok.isError and bad.isError and not query.isError
    text = scrape(port)
    assert sample(text, "mfgate_tool_calls_total",
                  tenant="default", tool="list_metrics", outcome="ok") >= 1
    assert sample(text, "mfgate_tool_calls_total",
                  tenant="default", tool="query", outcome="error") >= 1
    assert sample(text, "mfgate_tool_calls_total",
                  tenant="default", tool="query", outcome="ok") >= 1
    assert sample(text, "mfgate_tool_call_seconds_count", tenant="default", tool="query") >= 2
    assert sample(text, "mfgate_tool_call_seconds_bucket",
                  tenant="default", tool="query", le="+Inf") >= 2
    assert "# TYPE mfgate_tool_call_seconds histogram" in text
    assert sample(text, "mfgate_open_sessions") is not None


@pytest.mark.parametrize("host", ["[::1].evil.example", "localhost.evil.example",
                                  "127.0.0.1.nip.io", "evil.example"])
def test_metrics_on_loopback_refuse_a_host_that_is_not_loopback(observed_gateway, host):
    _, port = observed_gateway
    url = f"http://127.0.0.1:{port}/metrics"
    assert httpx.get(url, headers={"Host": host}, timeout=10).status_code == 403
    assert httpx.get(url, headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200


def test_json_log_has_an_audit_event_per_call_and_no_rows(observed_gateway):
    gateway, _ = observed_gateway
    (result,) = asyncio.run(session_calls(gateway.url, [("query", QUERY)]))
    rows = result.structuredContent["rows"]
    assert len(rows) == 3
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and '"rows":3' not in gateway.log:
        time.sleep(0.1)
    events = [json.loads(line) for line in gateway.log.splitlines()]  # All JSON.
    audits = [e for e in events if e.get("event") == "tool_call"
              and e.get("tool") == "query" and e.get("rows") == 3]
    assert audits, gateway.log
    audit = audits[-1]
    assert audit["tenant"] == "default" and audit["outcome"] == "ok"
    assert audit["metrics"] == ["transactions"]
    assert isinstance(audit["duration_ms"], int)
    # No row values: the day of each row (a distinctive string) is absent.
    days = [str(row[0]) for row in rows]
    assert all(len(day) >= 10 for day in days), days
    for day in days:
        assert day[:10] not in gateway.log, day
    assert not any(isinstance(e.get("rows"), list) for e in events)


def test_worker_metrics_count_requests_cache_hits_and_engine_restarts(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    socket_path = tmp_path / "w.sock"
    metrics_port = free_port()
    worker = WorkerProcess(["--listen", f"unix:{socket_path}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project,
                            "--metrics-listen", f"127.0.0.1:{metrics_port}", "--engines", "1",
                            "--log-format", "json"])
    try:
        worker.wait_for("health: SERVING")
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({"tenants": [
            {"name": "t", "worker": {"address": f"unix:{socket_path}"}}]}))
        session = McpSession(gateway_env(project), ["--config", config])
        try:
            # The gateway follows the worker's manifest on a stream.
            deadline = time.monotonic() + 60
            while sample(scrape(metrics_port), "mfgate_worker_manifest_watchers") != 1:
                assert time.monotonic() < deadline, scrape(metrics_port)
                time.sleep(0.1)
            # The first reaches the engine and the gateway keeps its answer.
            # Once the watch has heard the manifest (at once, in practice),
            # repeats never reach the worker; before that they are
            # revalidated ("not modified").
            def worker_calls():
                return sample(scrape(metrics_port), "mfgate_worker_requests_total",
                              method="list_metrics", code=0)
            answers = [session.call("list_metrics")]
            assert worker_calls() == 1
            while True:
                before = worker_calls()
                answers.append(session.call("list_metrics"))
                if worker_calls() == before:
                    break
                assert time.monotonic() < deadline, scrape(metrics_port)
            answers += [session.call("list_metrics") for _ in range(10)]
            assert worker_calls() == before
            revalidated = before - 1
            # A second gateway (which kept nothing) gets its answer from the
            # worker without an engine call.
            def without_engine():
                text = scrape(metrics_port)
                return (sample(text, "mfgate_worker_index_answers_total") +
                        sample(text, "mfgate_worker_answer_cache_hits_total"))
            answered_without_engine = without_engine()
            other = McpSession(gateway_env(project), ["--config", config])
            try:
                answers.append(other.call("list_metrics"))
            finally:
                other.close()
            assert not any(answer.isError for answer in answers)
            assert answers[0].structuredContent["metrics"]
            assert all(answer.structuredContent == answers[0].structuredContent
                       for answer in answers)
            text = scrape(metrics_port)
            assert sample(text, "mfgate_worker_requests_total",
                          method="list_metrics", code=0) == before + 1
            # From the semantic index (or, before the pool fetched it, the cache).
            assert without_engine() == answered_without_engine + 1
            assert sample(text, "mfgate_worker_metadata_not_modified_total") == revalidated
            # Compiled SQL is kept by the worker (not the gateway): the second
            # compile is a cache hit with the same SQL.
            compile_args = {"metrics": ["transactions"], "group_by": ["metric_time__day"]}
            hits = sample(scrape(metrics_port), "mfgate_worker_answer_cache_hits_total")
            compiled = [session.call("compile_sql", compile_args) for _ in range(2)]
            assert not any(answer.isError for answer in compiled)
            assert "SELECT" in compiled[0].structuredContent["sql"]
            assert compiled[1].structuredContent == compiled[0].structuredContent
            text = scrape(metrics_port)
            assert sample(text, "mfgate_worker_answer_cache_hits_total") == hits + 1
            assert sample(text, "mfgate_engine_ready") == 1
            assert sample(text, "mfgate_engine_restarts_total") == 0
            (engine,) = worker.children()
            os.kill(engine, signal.SIGKILL)
            deadline = time.monotonic() + 120
            while sample(scrape(metrics_port), "mfgate_engine_restarts_total") != 1:
                assert time.monotonic() < deadline, scrape(metrics_port)
                time.sleep(0.2)
            assert not session.call("list_dimension_values", {
                "metrics": ["transactions"],
                "dimension": "customer__customer_country"}).isError
            # The restarted engine compiles again (its profile may differ).
            again = session.call("compile_sql", compile_args)
            assert again.structuredContent == compiled[0].structuredContent
            assert sample(scrape(metrics_port), "mfgate_worker_answer_cache_hits_total") == 2
        finally:
            session.close()
    finally:
        assert worker.stop() == 0, worker.log
    for line in worker.log.splitlines():
        json.loads(line)  # --log-format json: every line is one JSON object.
