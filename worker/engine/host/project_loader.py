"""A dbt project loaded as MetricFlow's engine needs it: a current semantic
manifest (the project's own when it is current, else one `dbt parse` writes
under the scratch directory: the project may be read-only), and dbt's view
of the project with its adapter registered and its connection checked.
"""

import argparse
import os
import pathlib
import sys

from dbt.adapters.factory import get_adapter, register_adapter
from dbt.cli.main import dbtRunner
from dbt.config.runtime import RuntimeConfig, load_profile, load_project
from dbt.flags import set_from_args
from dbt.mp_context import get_mp_context
from dbt_common.context import set_invocation_context
from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtProjectMetadata

MANIFEST = pathlib.Path("target") / "semantic_manifest.json"
# Where dbt writes under the scratch directory: the project may be read-only
# (a container image, a read-only volume), so nothing is written into it.
SCRATCH_TARGET = pathlib.Path("dbt") / "target"
SCRATCH_LOGS = pathlib.Path("dbt") / "logs"
# Files of a project that never change its semantic manifest.
IGNORED_DIRS = {"target", "logs", "dbt_packages", ".git", "__pycache__"}

def newest_source_mtime(project):
    newest = 0.0
    for root, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in IGNORED_DIRS]
        for name in files:
            if name.endswith((".duckdb", ".duckdb.wal", ".log")):
                continue
            newest = max(newest, os.path.getmtime(os.path.join(root, name)))
    return newest


def fresh_manifest(project, profiles, target, scratch):
    """The path of a current semantic manifest: the project's own when it is
    newer than every source file (read, never written), else the one a
    previous start parsed into the scratch directory, else one `dbt parse`
    (in this process, with the handed-over profile) writes there now."""
    newest = newest_source_mtime(project)
    parsed = scratch / SCRATCH_TARGET / "semantic_manifest.json"
    for candidate in (project / MANIFEST, parsed):
        if candidate.exists() and candidate.stat().st_mtime >= newest:
            return candidate
    print(f"semantic manifest missing or stale; running dbt parse in {project} "
          f"(writing to {scratch / 'dbt'})", file=sys.stderr)
    command = ["parse", "--project-dir", str(project), "--profiles-dir", str(profiles),
               "--target-path", str(scratch / SCRATCH_TARGET),
               "--log-path", str(scratch / SCRATCH_LOGS)]
    if target:
        command += ["--target", target]
    said = []
    result = dbtRunner(callbacks=[failures_into(said)]).invoke(command)
    if not result.success:
        raise RuntimeError("dbt parse failed: " + (
            " ".join(said)[:1500] or str(result.exception or "see the log above")))
    return parsed


def failures_into(said):
    """A dbt event callback that keeps, on one line each, what dbt says about
    a failure (its error events): the cause, not the progress."""
    def keep(event):
        if event.info.level == "error":
            said.append(" ".join(event.info.msg.split()))
    return keep


def load_project_metadata(project, profiles, target):
    """dbt's view of the project with `target` (or the profile's default), its
    adapter registered and its connection checked (what `dbt debug
    --connection` does, without reading profiles.yml from disk)."""
    set_invocation_context(os.environ)  # What env_var() in the profile reads.
    args = argparse.Namespace(PROFILES_DIR=str(profiles), PROJECT_DIR=str(project),
                              TARGET=target or None, THREADS=None, VARS={})
    set_from_args(args, None)
    profile = load_profile(project_root=str(project), cli_vars={},
                           target_override=target or None)
    project_config = load_project(str(project), version_check=False, profile=profile)
    register_adapter(RuntimeConfig.from_parts(project_config, profile, args),
                     get_mp_context())
    adapter = get_adapter(RuntimeConfig.from_parts(project_config, profile, args))
    try:
        with adapter.connection_named("mfgate_connection_check"):
            adapter.debug_query()
    except Exception as error:
        raise RuntimeError(f"cannot connect to the warehouse: {error}") from error
    return dbtProjectMetadata(profile=profile, project=project_config, project_path=project)
