"""Runs the real `mf query` command for many argument lists in one process
(its click command, so MetricFlow loads once), for tests that compare
mfgate's rows with MetricFlow's own CLI. The project comes from
DBT_PROJECT_DIR and DBT_PROFILES_DIR, as for `mf`.

    stdin: [["--metrics", "m", "--where", "..."], ...]
    stdout (last line): [{"ok": true, "rows": [[...], ...]} | {"ok": false,
                          "error": "..."}, ...]   (rows without the header)
"""

import csv
import json
import os
import sys
import tempfile


def main():
    jobs = json.load(sys.stdin)
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    from click.testing import CliRunner
    from dbt_metricflow.cli.main import cli
    runner = CliRunner()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "rows.csv")
        for args in jobs:
            if os.path.exists(out):
                os.remove(out)
            run = runner.invoke(cli, ["query", *args, "--csv", out])
            if run.exit_code == 0 and "empty result set" in run.output:
                results.append({"ok": True, "rows": []})  # mf writes no file.
                continue
            if run.exit_code != 0 or not os.path.exists(out):
                results.append({"ok": False, "error": run.output[-2000:]})
                continue
            with open(out) as f:
                results.append({"ok": True, "rows": list(csv.reader(f))[1:]})
    real_stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
