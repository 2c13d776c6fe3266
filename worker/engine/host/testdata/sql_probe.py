"""Test-only: loads the engine's adapter the way mf_host does and runs SQL
straight at it, bypassing the worker's grammar, to prove the warehouse-side
layers each on their own: "guarded" is what the engine does, "unchecked"
skips the statement check (keeping PostgreSQL's read-only transaction),
"unguarded" is dbt's client alone.

    python sql_probe.py --project-dir P --scratch-dir S --proto-path D [--target T]
    stdin: {"profiles_yml": "...", "env": {...},
            "statements": [{"sql": "...",
                            "via": "guarded"|"unchecked"|"unguarded",
                            "deadline_ms": 0}]}
    stdout (last line): [{"ok": true, "rows": [...]} | {"ok": false,
                          "error": "..."}, ...]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--project-dir", "--scratch-dir", "--proto-path"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--target", default="")
    args = parser.parse_args()
    sys.path.insert(0, args.proto_path)
    from mfgate.v1 import engine_pb2, worker_pb2
    job = json.load(sys.stdin)
    bootstrap = engine_pb2.EngineBootstrap(profiles_yml=job["profiles_yml"].encode())
    bootstrap.env.update(job.get("env", {}))
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    import mf_adapter
    import warehouse_guard
    adapter = mf_adapter.Adapter.load(args, worker_pb2, bootstrap)
    results = []
    for statement in job["statements"]:
        warehouse_guard.Deadline.set(statement.get("deadline_ms", 0))
        guarded = adapter._sql_client
        run = {"guarded": guarded.query,
               "unchecked": guarded.query_in_read_only_transaction,
               "unguarded": guarded._client.query}[statement["via"]]
        try:
            table = run(statement["sql"])
            results.append({"ok": True, "rows": [[str(c) for c in row] for row in table.rows]})
        except Exception as error:  # The point: which layer refused, and how.
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    real_stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
