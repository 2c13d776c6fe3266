"""A query's pages, against the real gateway (stdio, the official MCP Python
client) and worker on the demo project: the pages after the first come from
the answer the first came from (the query runs once, as the worker's own
metrics count), and a query without a `limit` gets the worker's default
limit but never more rows than its tenant's `max_rows`."""

import json
import time

from harness import McpSession, demo_project, gateway_env
from http_harness import free_port
from test_observability import sample, scrape
from worker_harness import WorkerProcess, copy_project

DAILY = {"metrics": ["transactions", "transaction_amount"],
         "group_by": ["metric_time__day", "customer__customer_country"],
         "limit": 1000}


def walk(session, arguments, budget):
    """Every page of `arguments`: (rows, pages, the first page's cursor)."""
    rows, pages, cursor, first_cursor = [], 0, None, None
    while True:
        page = session.call("query", dict(arguments, max_response_chars=budget,
                                          **({"cursor": cursor} if cursor else {})))
        assert not page.isError, page.content[0].text
        rows += page.structuredContent["rows"]
        pages += 1
        cursor = page.structuredContent.get("next_cursor")
        first_cursor = first_cursor or cursor
        if cursor is None:
            return rows, pages, first_cursor


def test_pages_come_from_one_run_of_the_query_and_rows_keep_to_the_tenant(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    socket_path = tmp_path / "w.sock"
    metrics_port = free_port()
    worker = WorkerProcess(["--listen", f"unix:{socket_path}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project,
                            "--metrics-listen", f"127.0.0.1:{metrics_port}", "--engines", "1",
                            "--max-rows", "2000", "--default-limit", "20"])
    try:
        worker.wait_for("health: SERVING")
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({"tenants": [
            {"name": "t", "worker": {"address": f"unix:{socket_path}"}},
            {"name": "small", "worker": {"address": f"unix:{socket_path}"},
             "query_limits": {"max_rows": 7}},
            {"name": "mid", "worker": {"address": f"unix:{socket_path}"},
             "query_limits": {"max_rows": 50}}]}))

        def queries():
            return sample(scrape(metrics_port), "mfgate_worker_requests_total",
                          method="query", code=0) or 0

        session = McpSession(gateway_env(project), ["--config", config, "--tenant", "t"])
        try:
            whole = session.call("query", DAILY)
            assert not whole.isError, whole.content[0].text
            every_row = whole.structuredContent["rows"]
            assert len(every_row) > 30 and not whole.structuredContent["truncated"]
            before = queries()
            rows, pages, first_cursor = walk(session, DAILY, 2500)
            assert pages > 2
            assert rows == every_row  # Every row once, in order.
            assert queries() == before + 1  # One run for every page.
            # A gateway that never kept the answer (or one that dropped it)
            # still serves the cursor's page: the query runs again.
            other = McpSession(gateway_env(project), ["--config", config, "--tenant", "t"])
            try:
                page = other.call("query", dict(DAILY, max_response_chars=2500,
                                                cursor=first_cursor))
                assert not page.isError, page.content[0].text
                offset = page.structuredContent["offset"]
                assert page.structuredContent["rows"][0] == every_row[offset]
                assert queries() == before + 2
            finally:
                other.close()
        finally:
            session.close()
        # A query without a limit gets the worker's default limit (20), or
        # its tenant's bound when that is lower (7); the schema says which.
        for tenant, bound, rows in [("small", 7, 7), ("mid", 50, 20)]:
            bounded = McpSession(gateway_env(project),
                                 ["--config", config, "--tenant", tenant])
            try:
                deadline = time.monotonic() + 60
                while True:
                    (query,) = [t for t in bounded.list_tools().tools
                                if t.name == "query"]
                    limit = query.inputSchema["properties"]["limit"]
                    if limit["default"] == rows:
                        break
                    assert time.monotonic() < deadline, (tenant, limit)
                    time.sleep(0.2)
                assert limit["maximum"] == bound
                unlimited = {k: v for k, v in DAILY.items() if k != "limit"}
                answer = bounded.call("query", unlimited)
                assert not answer.isError, answer.content[0].text
                assert answer.structuredContent["total"] == rows, tenant
            finally:
                bounded.close()
    finally:
        assert worker.stop() == 0, worker.log
