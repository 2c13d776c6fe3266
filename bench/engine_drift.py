"""How a long-lived engine's cost per query moves over 3,000 queries.

Sends 3,000 small queries straight to one engine host over its frames and
prints the engine's CPU time and the median wall time of the first 250 and
the last 250, and their ratio. Each request runs in a fresh copy of the
loaded context (worker/engine/host/request_context_test.py proves that);
served in one long-lived context, the last 250 cost 4x the first.
Not a test: wall time on a shared machine measures the neighbours too.

Usage: engine_drift.py --project-dir DIR --proto-path DIR [--queries N]
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "worker/engine/host"))
from host_test import Host, proto_modules  # noqa: E402

WINDOW = 250


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--proto-path", required=True)
    parser.add_argument("--queries", type=int, default=3000)
    args = parser.parse_args()
    os.environ["MFGATE_PROTO_PATH"] = args.proto_path
    proto_path, pb = proto_modules()
    with tempfile.TemporaryDirectory() as scratch:
        host = Host(args.project_dir, proto_path, pathlib.Path(scratch))
        assert host.read(pb).WhichOneof("response") == "ready"
        walls, cpu = [], {}
        last_window = args.queries - WINDOW
        try:
            for i in range(args.queries):
                if i in (0, WINDOW, last_window):
                    cpu[i] = cpu_seconds(host.process.pid)
                request = pb.EngineRequest(id=i + 1)
                request.query.metrics.append("transactions")
                request.query.group_by.append("metric_time__day")
                request.query.limit = 5 + i % 7  # Not the same query every time.
                started = time.perf_counter()
                response = host.read_after(request)
                walls.append(time.perf_counter() - started)
                if response.WhichOneof("response") != "query":
                    sys.exit(f"query {i + 1} failed: {response}")
            cpu["end"] = cpu_seconds(host.process.pid)
        finally:
            host.close()
    first, last = cpu[WINDOW] - cpu[0], cpu["end"] - cpu[last_window]
    print(f"engine drift over {args.queries} queries (windows of {WINDOW}):")
    print(f"  engine CPU   first {first:6.2f} s   last {last:6.2f} s   ratio {last / first:.2f}")
    print(f"  wall median  first {statistics.median(walls[:WINDOW]) * 1e3:6.1f} ms  "
          f"last {statistics.median(walls[-WINDOW:]) * 1e3:6.1f} ms")


if __name__ == "__main__":
    main()
