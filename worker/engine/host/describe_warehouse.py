"""Prints, as one JSON line, where a dbt profile's warehouse lives.

mfgate-worker runs this once, confined and without network, before it starts
the engine, to build the engine's confinement: a DuckDB file is the one path
outside the scratch directory the engine may write, and a networked warehouse
is the one TCP port it may connect to.

    python describe_warehouse.py --project-dir P --profiles-dir Q [--target T]

Output: {"type": "duckdb", "path": "/abs/file.duckdb"} or
        {"type": "postgres", "host": "db", "port": 5432}. Never credentials.
"""

import argparse
import json
import os
import sys


def describe(project, profiles, target):
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context
    set_invocation_context(os.environ)  # What env_var() in the profile reads.
    set_from_args(argparse.Namespace(PROFILES_DIR=profiles), None)
    from dbt.config.runtime import load_profile
    credentials = load_profile(project_root=project, cli_vars={},
                               target_override=target or None).credentials
    found = {"type": credentials.type}
    path = getattr(credentials, "path", None)
    if isinstance(path, str) and path and path != ":memory:":
        # DuckDB resolves a relative path against the engine's working
        # directory, which is the project.
        found["path"] = os.path.abspath(os.path.join(project, path))
    for name in ("host", "port"):
        value = getattr(credentials, name, None)
        if value not in (None, ""):
            found[name] = value
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--profiles-dir", required=True)
    parser.add_argument("--target", default="")
    args = parser.parse_args(argv)
    project, profiles = os.path.abspath(args.project_dir), os.path.abspath(args.profiles_dir)
    os.chdir(project)
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # Whatever dbt prints stays out of the answer.
    found = describe(project, profiles, args.target)
    real_stdout.write(json.dumps(found) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
