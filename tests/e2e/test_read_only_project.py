"""A worker on a read-only dbt project, as a container with a read-only root
runs it: the project belongs to another user and nothing in it is writable;
only the scratch directory (--tmp-dir) is. The worker starts, its engine
parses the project when it must (into the scratch directory) and answers real
queries, and the project is left exactly as it was."""

import hashlib
import os
import pathlib
import shutil
import stat
import tempfile

import pytest

from harness import McpSession, demo_project, gateway_env
from worker_harness import WorkerProcess, copy_project

UNPRIVILEGED = 65532

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")


@pytest.fixture
def open_dir():
    path = pathlib.Path(tempfile.mkdtemp(prefix="mfgate-ro-"))
    path.chmod(0o755)
    yield path
    for entry in [path, *path.rglob("*")]:  # Give write back, to remove it.
        if not entry.is_symlink():
            entry.chmod(entry.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(path, ignore_errors=True)


def read_only_copy(directory, with_manifest):
    """The demo project, owned by root and with every write bit removed, and
    its profile in a directory of its own (as a Kubernetes Secret mounts it:
    a profile among the project's files would make the manifest stale)."""
    project = copy_project(demo_project(), directory / "project")
    (directory / "profiles").mkdir()
    (project / "profiles.yml").rename(directory / "profiles" / "profiles.yml")
    shutil.rmtree(project / "logs", ignore_errors=True)
    if not with_manifest:
        shutil.rmtree(project / "target")
    for path in [project, *project.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    return project


def snapshot(tree):
    """Every path under `tree` with its mode and content digest."""
    found = {}
    for path in sorted(tree.rglob("*")):
        info = path.lstat()
        digest = (hashlib.sha256(path.read_bytes()).hexdigest()
                  if stat.S_ISREG(info.st_mode) else "")
        found[str(path.relative_to(tree))] = (info.st_mode, digest)
    return found


def serve(installed, open_dir, project, engine="persistent"):
    binary, flags = installed
    scratch = open_dir / "scratch"
    scratch.mkdir()
    os.chown(scratch, UNPRIVILEGED, UNPRIVILEGED)
    sock = open_dir / "w.sock"
    worker = WorkerProcess([*flags, "--listen", f"unix:{sock}", "--project-dir", project,
                            "--profiles-dir", open_dir / "profiles", "--tmp-dir", scratch,
                            "--engine", engine, "--user", f"{UNPRIVILEGED}:{UNPRIVILEGED}"],
                           binary=binary)
    return worker, sock, scratch


def query_through_gateway(open_dir, project, sock):
    config = open_dir / "gateway.json"
    config.write_text('{"tenants": [{"name": "demo", "worker": {"address": "unix:%s"}}]}'
                      % sock)
    session = McpSession(gateway_env(project, open_dir / "profiles"), ["--config", config])
    try:
        result = session.call("query", {"metrics": ["transactions"],
                                        "group_by": ["metric_time__year"],
                                        "order": ["metric_time__year"]})
        assert not result.isError, result.content[0].text
        return result.content[0].text
    finally:
        session.close()


@pytest.mark.parametrize("with_manifest", [False, True], ids=["parsed", "shipped"])
def test_worker_serves_a_read_only_project(installed, open_dir, with_manifest):
    project = read_only_copy(open_dir, with_manifest)
    before = snapshot(project)
    worker, sock, scratch = serve(installed, open_dir, project)
    try:
        worker.wait_for("health: SERVING")
        text = query_through_gateway(open_dir, project, sock)
        assert "TRANSACTIONS" in text.upper() and "2022" in text, text
    finally:
        assert worker.stop() == 0, worker.log
    assert snapshot(project) == before, "the worker wrote into its project"
    written = {str(p.relative_to(scratch)) for p in scratch.rglob("*")}
    if with_manifest:
        # A current manifest in the project is read where it is: no parse.
        assert "running dbt parse" not in worker.log
        assert not any(p.endswith("semantic_manifest.json") for p in written), written
    else:
        assert "running dbt parse" in worker.log
        assert any(p.endswith("semantic_manifest.json") for p in written), written
        assert any(p.endswith("dbt.log") for p in written), written


def test_cli_engine_serves_a_read_only_project(installed, open_dir):
    """`mf` opens DuckDB read-write, so its file is in a writable directory
    of its own here; the project stays read-only."""
    project = read_only_copy(open_dir, with_manifest=True)
    warehouse = open_dir / "warehouse"
    warehouse.mkdir()
    shutil.copyfile(project / "mf_tutorial.duckdb", warehouse / "mf_tutorial.duckdb")
    for path in (warehouse, warehouse / "mf_tutorial.duckdb"):
        os.chown(path, UNPRIVILEGED, UNPRIVILEGED)
    profiles = open_dir / "profiles" / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(project), str(warehouse)))
    before = snapshot(project)
    worker, sock, scratch = serve(installed, open_dir, project, engine="cli")
    try:
        worker.wait_for("health: SERVING")
        text = query_through_gateway(open_dir, project, sock)
        assert "2022" in text, text
    finally:
        assert worker.stop() == 0, worker.log
    assert snapshot(project) == before, "the worker wrote into its project"
