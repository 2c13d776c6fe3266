"""Prints, as one JSON line, where a dbt profile's warehouse lives.

mfgate-worker runs this once, confined and without network, before it starts
the engine, to build the engine's confinement: a DuckDB file is the one path
outside the scratch directory the engine may write, and a networked warehouse
is the one TCP port it may connect to.

    python describe_warehouse.py --project-dir P --profiles-dir Q [--target T]

Output: {"type": "duckdb", "path": "/abs/file.duckdb"} or
        {"type": "postgres", "host": "db", "port": 5432}. Never credentials.

Importing dbt's profile loader takes seconds, a large part of the worker's
cold start; a DuckDB or PostgreSQL profile whose values use nothing but
env_var() and dbt's as_* filters is read with YAML and Jinja alone, and
gives the same answer (host_test.py compares the two). Anything else goes
to dbt's own loader.
"""

import argparse
import json
import os
import sys
import traceback


def database_file(project, path):
    """The absolute path of a DuckDB profile's `path`, or None for an
    in-memory database. DuckDB resolves a relative path against the engine's
    working directory, which is the project."""
    if isinstance(path, str) and path and path != ":memory:":
        return os.path.abspath(os.path.join(project, path))
    return None


def describe(project, profiles, target):
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context
    set_invocation_context(os.environ)  # What env_var() in the profile reads.
    set_from_args(argparse.Namespace(PROFILES_DIR=profiles), None)
    from dbt.config.runtime import load_profile
    credentials = load_profile(project_root=project, cli_vars={},
                               target_override=target or None).credentials
    found = {"type": credentials.type}
    path = database_file(project, getattr(credentials, "path", None))
    if path:
        found["path"] = path
    for name in ("host", "port"):
        value = getattr(credentials, name, None)
        if value not in (None, ""):
            found[name] = value
    return found


def describe_plainly(project, profiles, target):
    """describe()'s answer without dbt, or None when the profile needs dbt."""
    import jinja2
    import yaml

    def env_var(name, default=None):
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise LookupError(name)
        return default

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals = {"env_var": env_var}  # Anything else is undefined: dbt's.
    env.filters = {name: str for name in ("as_text", "as_number", "as_native", "as_bool")}

    def render(value):
        return env.from_string(value).render() if isinstance(value, str) else value

    try:
        with open(os.path.join(project, "dbt_project.yml")) as f:
            profile_name = render(yaml.safe_load(f)["profile"])
        with open(os.path.join(profiles, "profiles.yml")) as f:
            profile = yaml.safe_load(f)[profile_name]
        output = profile["outputs"][target or render(profile.get("target", "default"))]
        found = {"type": render(output["type"])}
        if found["type"] == "duckdb":
            path = render(output.get("path", ":memory:"))
            if not isinstance(path, str):
                return None
            file = database_file(project, path)
            if file:
                found["path"] = file
        elif found["type"] == "postgres":
            host = render(output.get("host"))
            if host not in (None, ""):
                found["host"] = str(host)
            found["port"] = int(render(output["port"]))
        else:
            return None
        return found
    except Exception:  # noqa: BLE001 - whatever it is, dbt decides.
        return None


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
    try:
        found = (describe_plainly(project, profiles, args.target)
                 or describe(project, profiles, args.target))
    except Exception as error:  # noqa: BLE001 - reported, not raised.
        # The traceback is for the worker's log; the last line, the cause
        # alone, is what callers are told.
        traceback.print_exc()
        real_stdout.write(json.dumps({"error": error_summary(error)}) + "\n")
        return 1
    real_stdout.write(json.dumps(found) + "\n")
    return 0


def error_summary(error):
    """One line: the exception's type and message, whitespace collapsed."""
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:2000]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
