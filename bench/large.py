"""(g): a query of 100,000 rows, end to end through mfgate against MetricFlow
in-process.

The demo project, copied, gains a DuckDB model of LARGE_ROWS rows built with
range() and a metric whose group-by by the row's id gives one row each. mfgate:
an `mfgate-worker` with --max-rows LARGE_ROWS behind a stdio `mfgate` whose
tenant allows LARGE_ROWS rows and responses of BUDGET_CHARS characters; a
minimal JSON-RPC client (pool.Session) calls `query` with limit LARGE_ROWS and
follows next_cursor page by page until it holds every row. The time is the
whole walk, every page.
In-process: MetricFlow's engine answering the same query with the same limit
(its result table holds every row). A wrong row count fails the run.
Run by `make bench`, or alone with `bench/compare.py --large-only`.
"""

import gc
import json
import os
import statistics
import subprocess
import time

from layout import REPO
from pool import Tenant
from systems import InProcess, copy_project

LARGE_ROWS = 100_000
RATIO_TARGET = 1.3  # End to end, against in-process MetricFlow.
BUDGET_CHARS = 1_000_000  # The most a tenant's response_budget allows.
HEADING = "## Large results (g)"
GROUP_BY = "large_event__event_id"
QUERY = {"metrics": ["large_events"], "group_by": [GROUP_BY], "order": [GROUP_BY],
         "limit": LARGE_ROWS}

MODEL_SQL = f"""select
    range as id_event,
    timestamp '2000-01-01 00:00:00' + to_minutes(range) as created_at
from range({LARGE_ROWS})
"""

MODEL_YML = """semantic_models:
  - name: large_events
    description: One row per id, {rows} rows (the benchmark's large result).
    defaults:
      agg_time_dimension: created_at
    model: ref('large_events')
    entities:
      - name: large_event
        type: primary
        expr: id_event
    measures:
      - name: large_events
        expr: "1"
        agg: SUM
    dimensions:
      - name: created_at
        type: time
        type_params:
          time_granularity: day
      - name: event_id
        type: categorical
        expr: id_event

metrics:
  - name: large_events
    type: SIMPLE
    type_params:
      measure: large_events
    label: "Large events"
""".format(rows=LARGE_ROWS)


def large_project(demo, destination):
    """A copy of the demo project with the large model built in its DuckDB."""
    project = copy_project(demo, destination)
    models = project / "models" / "large"
    models.mkdir()
    (models / "large_events.sql").write_text(MODEL_SQL)
    (models / "large_events.yml").write_text(MODEL_YML)
    # `dbt build` parses the whole project again, so the semantic manifest
    # names the new metric.
    subprocess.run([str(REPO / ".venv" / "bin" / "dbt"), "build", "--select", "large_events",
                    "--project-dir", str(project), "--profiles-dir", str(project)],
                   check=True, env=dict(os.environ, DO_NOT_TRACK="1"), cwd=project,
                   stdout=subprocess.DEVNULL)
    return project


async def fetch_all(session, page_ms=None):
    """Every row of QUERY through the gateway, page by page: (rows, pages,
    the total each page stated); each page's ms appended to `page_ms`."""
    rows, pages, cursor, totals = [], 0, None, set()
    while True:
        began = time.perf_counter()
        arguments = dict(QUERY, max_response_chars=BUDGET_CHARS)
        if cursor is not None:
            arguments["cursor"] = cursor
        reply = await session.request("tools/call", {"name": "query", "arguments": arguments})
        result = reply.get("result")
        if result is None or result.get("isError"):
            raise RuntimeError(f"query, page {pages + 1}: {json.dumps(reply)[:2000]}")
        structured = result["structuredContent"]
        rows.extend(structured["rows"])
        totals.add(structured["total"])
        pages += 1
        if page_ms is not None:
            page_ms.append((time.perf_counter() - began) * 1000)
        cursor = structured.get("next_cursor")
        if cursor is None:
            return rows, pages, totals


def in_process_rows(in_process):
    """The row count MetricFlow in-process gives for QUERY (limit LARGE_ROWS)."""
    result = in_process.run("large query", QUERY)
    return result.result_df.row_count


def check(rows, pages, totals, expected):
    """Fails the run unless the pages hold `expected` rows, each id once."""
    ids = {row[0] for row in rows}
    if len(rows) != expected or len(ids) != expected or totals != {expected}:
        raise AssertionError(f"(g) mfgate gave {len(rows)} rows ({len(ids)} ids) in {pages} "
                             f"pages stating totals {sorted(totals)}; in-process MetricFlow "
                             f"gave {expected}")


async def large_bench(work, demo, runs):
    """The report's lines and its target lines."""
    work.mkdir(parents=True, exist_ok=True)
    project = large_project(demo, work / "project")
    # A copy each: DuckDB admits one writer process per file.
    in_process = InProcess(copy_project(project, work / "project-d"))
    tenant = Tenant(work, "large", project,
                    ["--max-rows", str(LARGE_ROWS), "--engines", "1"], os.environ,
                    {"response_budget": {"default_chars": BUDGET_CHARS,
                                         "max_chars": BUDGET_CHARS},
                     "query_limits": {"max_rows": LARGE_ROWS}})
    mfgate_ms, first_ms, later_ms, pages_seen = [], [], [], set()
    try:
        await tenant.wait_engines(1)
        await tenant.open(1)
        session = tenant.sessions[0]
        expected = in_process_rows(in_process)  # Warm-up of (d), and the count.
        if expected < LARGE_ROWS:
            raise AssertionError(f"(g) in-process MetricFlow gave {expected} rows, "
                                 f"not {LARGE_ROWS}")
        check(*await fetch_all(session), expected)  # Warm-up of mfgate.
        # The client shares this process with (d)'s MetricFlow: what both
        # loaded is frozen out of the collector, so that neither pays for
        # scanning the other's objects.
        gc.collect()
        gc.freeze()
        for run in range(runs):
            began = time.perf_counter()
            page_ms = []
            rows, pages, totals = await fetch_all(session, page_ms)
            first_ms.append(page_ms[0])
            later_ms.extend(page_ms[1:])
            mfgate_ms.append((time.perf_counter() - began) * 1000)
            check(rows, pages, totals, expected)
            pages_seen.add(pages)
            if in_process_rows(in_process) != expected:
                raise AssertionError("(g) in-process MetricFlow's row count changed")
            print(f"(g) run {run + 1}: mfgate {mfgate_ms[-1]:.0f} ms ({pages} pages), "
                  f"in-process {in_process.samples['large query'][-1]:.0f} ms", flush=True)
    finally:
        await tenant.close()
    in_process_ms = in_process.samples["large query"][1:]  # Less the warm-up.
    m, d = statistics.median(mfgate_ms), statistics.median(in_process_ms)
    ratio = m / d
    pages = "/".join(str(p) for p in sorted(pages_seen))
    lines = ["", HEADING, "",
             f"One query of {expected:,} rows: the metric large_events grouped (and ordered) "
             f"by {GROUP_BY}, over a DuckDB model of {LARGE_ROWS:,} rows (range()) added to a "
             "copy of the demo project. (r) mfgate over stdio, minimal JSON-RPC client: the "
             f"worker with --max-rows {LARGE_ROWS:,}, the tenant's query_limits.max_rows "
             f"{LARGE_ROWS:,} and response budget {BUDGET_CHARS:,} characters; the client "
             f"calls `query` with limit {LARGE_ROWS:,} and follows next_cursor until it holds "
             "every row (the pages after the first come from the answer the gateway kept), "
             "and checks the count and the ids against (d). (d) MetricFlow's engine "
             f"in-process, the same query. {runs} runs each after a warm-up, alternating, in one "
             "process (what both loaded is frozen out of Python's collector after the "
             "warm-ups).", "",
             "| system | rows | pages | p50 ms | min ms | max ms |", "|---|---|---|---|---|---|",
             f"| (r) mfgate stdio, minimal client, every page | {expected:,} | {pages} | "
             f"{m:.0f} | {min(mfgate_ms):.0f} | {max(mfgate_ms):.0f} |",
             f"| (d) in-process | {expected:,} | 1 | {d:.0f} | {min(in_process_ms):.0f} | "
             f"{max(in_process_ms):.0f} |", "",
             f"(r)/(d) p50: {ratio:.2f}x; {(m - d) / expected * 1000:.2f} µs per row over (d). "
             f"The first page took p50 {statistics.median(first_ms):.0f} ms "
             f"({statistics.median(first_ms) / d:.2f}x (d): the query, its rows through the "
             "engine, worker and gateway, the page written); each later page p50 "
             f"{statistics.median(later_ms) if later_ms else 0:.0f} ms."]
    targets = [f"- {LARGE_ROWS // 1000}k rows end to end within {RATIO_TARGET:g}x of in-process "
               f"MetricFlow: **{'met' if ratio <= RATIO_TARGET else 'missed'}** "
               f"({ratio:.2f}x; {pages} pages of at most {BUDGET_CHARS:,} characters)."]
    return lines, targets
