"""A worker that cannot start its engine says why, at once, to every call.

Each case breaks a copy of the demo project the way operators do (no
profiles.yml, a profile that cannot be read, a broken dbt_project.yml, a
metric with no measure, a DuckDB file another process holds), starts the real
gateway on it over stdio with the official MCP client, and checks that once
the worker has tried, a tool call fails within a second with the cause, not
after its deadline and not as a missing socket."""

import pathlib
import subprocess
import sys
import time

import pytest

from harness import REPO, McpSession, demo_project, gateway_env
from worker_harness import copy_project


def remove_profiles(project):
    (project / "profiles.yml").unlink()


def unreadable_profile(project):
    (project / "profiles.yml").write_text("mf_tutorial:\n  target: dev\n  outputs: [dev\n")


def broken_project_file(project):
    path = project / "dbt_project.yml"
    path.write_text(path.read_text() + "\nmodels: [unclosed\n")


def invalid_metric(project):
    path = project / "models" / "sample_model" / "metrics.yml"
    path.write_text(path.read_text() + """
  - name: broken_metric
    type: SIMPLE
    type_params:
      measure: no_such_measure
""")


FAULTS = {
    "missing profiles.yml": (remove_profiles, "has no readable profiles.yml"),
    "unreadable profile": (unreadable_profile, "profile"),
    "broken dbt_project.yml": (broken_project_file, "Syntax error near line"),
    "invalid metric": (invalid_metric, "no_such_measure"),
}


def first_failure(session, timeout=180):
    """Calls list_metrics until the worker answers with its engine's failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = session.call("list_metrics", timeout=timeout)
        if result.isError:
            return result.content[0].text
        time.sleep(0.5)
    raise AssertionError("the broken project was served")


def assert_fails_fast_with(session, cause):
    text = first_failure(session)
    assert cause in text, text
    for _ in range(3):
        begin = time.monotonic()
        result = session.call("list_metrics")
        elapsed = time.monotonic() - begin
        assert result.isError
        assert cause in result.content[0].text, result.content[0].text
        assert elapsed < 1.0, f"{elapsed:.2f}s: {result.content[0].text}"
    assert "No such file or directory" not in text or "profiles.yml" in text
    assert "site-packages" not in text


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_broken_project_fails_each_call_at_once_with_its_cause(tmp_path, fault):
    breaker, cause = FAULTS[fault]
    project = copy_project(demo_project(), tmp_path / "project")
    breaker(project)
    session = McpSession(gateway_env(project, profiles_dir=project))
    try:
        assert_fails_fast_with(session, cause)
    finally:
        session.close()


def test_a_locked_duckdb_file_fails_each_call_at_once_with_its_cause(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    database = next(project.glob("*.duckdb"))
    # Another process holds the file for writing, as a running `dbt build` does.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.read()", str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        session = McpSession(gateway_env(project, profiles_dir=project))
        try:
            assert_fails_fast_with(session, "Could not set lock on file")
        finally:
            session.close()
    finally:
        holder.stdin.close()
        holder.wait(30)
