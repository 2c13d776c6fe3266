"""A long-lived engine stays as fast as it started: 3,000 queries, and the
engine's CPU time for the last 250 within 1.2x of the first 250's.

MetricFlow's timers and dbt set new context variables on every query; served
in one long-lived context, each query cost more than the one before (4x after
3,000). The engine's own CPU time per query is what the test compares: wall
time on a shared machine measures the neighbours as much as the engine (the
medians are printed beside it).

Needs MFGATE_DEMO_PROJECT and MFGATE_PROTO_PATH (`make test` sets both).
"""

import os
import statistics
import time

from host_test import Host, proto_modules

QUERIES = 3000
WINDOW = 250


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_per_query_cost_stays_flat_over_3000_queries(tmp_path):
    proto_path, pb = proto_modules()
    host = Host(os.environ["MFGATE_DEMO_PROJECT"], proto_path, tmp_path)
    assert host.read(pb).WhichOneof("response") == "ready"
    walls, cpu = [], {}
    try:
        for i in range(QUERIES):
            if i in (0, WINDOW, QUERIES - WINDOW):
                cpu[i] = cpu_seconds(host.process.pid)
            request = pb.EngineRequest(id=i + 1)
            request.query.metrics.append("transactions")
            request.query.group_by.append("metric_time__day")
            request.query.limit = 5 + i % 7  # Not the same query every time.
            started = time.perf_counter()
            response = host.read_after(request)
            walls.append(time.perf_counter() - started)
            assert response.WhichOneof("response") == "query", response
        cpu["end"] = cpu_seconds(host.process.pid)
    finally:
        host.close()
    first, last = cpu[WINDOW] - cpu[0], cpu["end"] - cpu[QUERIES - WINDOW]
    medians = (statistics.median(walls[:WINDOW]) * 1e3,
               statistics.median(walls[-WINDOW:]) * 1e3)
    assert last <= 1.2 * first, (
        f"engine CPU for the first {WINDOW} queries {first:.2f} s, the last {last:.2f} s; "
        f"wall medians {medians[0]:.1f} ms and {medians[1]:.1f} ms")
