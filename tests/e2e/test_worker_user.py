"""A gateway started as root spawns its workers as an unprivileged user, and
a worker run from the build tree (whose files sit under a home directory
other users cannot enter) starts its engine as that user: what /proc shows of
the worker and engine processes, and a query answered through them."""

import os
import pathlib
import pwd
import shutil
import signal
import tempfile
import time

import pytest

from harness import McpSession, demo_project, gateway_env
from worker_harness import copy_project

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs a gateway started as root")


@pytest.fixture
def project():
    """A copy of the demo project in a directory every user may traverse
    (pytest's own are private), so that its path names only this test's
    processes."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="mfgate-user-"))
    root.chmod(0o755)
    yield copy_project(demo_project(), root / "project")
    shutil.rmtree(root, ignore_errors=True)


def processes_serving(project):
    """{pid: (arguments, [real, effective, saved, fs uid])} of every process
    whose arguments name `project` (the worker and its engine)."""
    found = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:  # Gone meanwhile.
            continue
        if str(project).encode() not in argv:
            continue
        uids = next(line for line in status.splitlines() if line.startswith("Uid:"))
        found[int(entry.name)] = ([arg.decode() for arg in argv], uids.split()[1:])
    return found


@pytest.mark.parametrize("user,uid", [
    (None, pwd.getpwnam("nobody").pw_uid),  # The default for a root gateway.
    ("nobody", pwd.getpwnam("nobody").pw_uid),
    ("65532:65532", 65532),
])
def test_root_gateway_serves_through_unprivileged_worker_and_engine(project, user, uid):
    extra = {"MFGATE_WORKER_USER": user} if user else {}
    session = McpSession(gateway_env(project, **extra))
    try:
        result = session.call("query", {"metrics": ["transactions"],
                                        "group_by": ["metric_time__year"]})
        assert not result.isError, result.content
        assert "transactions" in result.content[0].text
        running = processes_serving(project)
        engines = [uids for argv, uids in running.values() if "mf_host.py" in " ".join(argv)]
        workers = [uids for argv, uids in running.values()
                   if pathlib.Path(argv[0]).name == "mfgate-worker"]
        # The worker's pool may hold several engines: every one runs as the user.
        assert len(engines) >= 1 and len(workers) == 1, running
        assert all(engine == [str(uid)] * 4 for engine in engines), running
        assert workers[0] == [str(uid)] * 4, running
    finally:
        session.close()


def test_project_the_user_cannot_read_is_answered_at_once(project):
    """The same gateway on a project only root may enter: the first call is
    answered at once with the reason, not after a wait."""
    project.parent.chmod(0o700)
    session = McpSession(gateway_env(project))
    try:
        started = time.monotonic()
        result = session.call("query", {"metrics": ["transactions"]}, timeout=30)
        assert result.isError
        assert f"'{project}': Permission denied" in result.content[0].text, result.content
        assert time.monotonic() - started < 10
    finally:
        session.close()


def test_workers_dropped_to_nobody_die_with_a_killed_gateway(project):
    """Dropping to another user clears a process's parent-death signal; the
    worker sets it again, so a gateway killed outright takes its workers."""
    session = McpSession(gateway_env(project))
    try:
        assert not session.call("list_metrics").isError
        worker = next(pid for pid, (argv, _) in processes_serving(project).items()
                      if pathlib.Path(argv[0]).name == "mfgate-worker")
        gateway = int(pathlib.Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])
        os.kill(gateway, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while processes_serving(project) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_serving(project) == {}
    finally:
        session.close()
