"""The gateway supervises the workers it spawns, run on the real binaries: a
worker that dies is reaped and started again; while it is down its tenant's
calls fail at once with the worker's own reason; /ready names the tenant's
state and cause; and nothing the worker or gateway made in /tmp outlives
them."""

import os
import pathlib
import signal
import subprocess
import time

import httpx

from harness import McpSession, RawStdio, demo_project, gateway_env
from http_harness import HttpGateway
from worker_harness import WORKER, WorkerProcess, copy_project

AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []


def worker_pids(project):
    """Pids of the mfgate-worker processes serving `project`."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"mfgate-worker") and str(project).encode() in argv:
            found.append(int(entry.name))
    return found


def state_of(pid):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # Gone: reaped.
    return stat.rsplit(")", 1)[1].split()[0]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def served_again(session, timeout=180):
    """Calls until the tenant is served (a new worker loads its engine)."""
    deadline = time.monotonic() + timeout
    while True:
        result = session.call("query", {"metrics": ["transactions"]})
        if not result.isError:
            return
        assert time.monotonic() < deadline, result.content[0].text
        time.sleep(0.5)


def test_a_killed_worker_is_reaped_and_started_again(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    session = McpSession(gateway_env(project))
    try:
        assert not session.call("query", {"metrics": ["transactions"]}).isError
        [first] = worker_pids(project)
        os.kill(first, signal.SIGKILL)
        # Reaped (no zombie left), and a new worker started.
        wait_until(lambda: state_of(first) is None, 10, "the killed worker to be reaped")
        [second] = wait_until(lambda: worker_pids(project), 30, "a new worker")
        assert second != first
        served_again(session)
    finally:
        session.close()


def test_a_worker_that_exits_fails_calls_at_once_with_its_reason(tmp_path):
    # A stand-in for a worker that cannot start: it says why, like the real
    # one, and exits, three times; then the real worker runs.
    counter = tmp_path / "starts"
    wrapper = tmp_path / "worker.sh"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"n=$(cat {counter} 2>/dev/null || echo 0); echo $((n + 1)) > {counter}\n"
        "if [ \"$n\" -lt 3 ]; then\n"
        "  echo \"2026-01-01T00:00:00.000Z mfgate-worker ERROR cannot bind: "
        "the disk is on fire\" >&2; exit 2\n"
        "fi\n"
        f"exec {WORKER} \"$@\"\n")
    wrapper.chmod(0o755)
    project = copy_project(demo_project(), tmp_path / "project")
    session = McpSession(gateway_env(project, MFGATE_WORKER_BINARY=str(wrapper)))
    try:
        text = ""
        while "the disk is on fire" not in text:
            begin = time.monotonic()
            result = session.call("query", {"metrics": ["transactions"]}, timeout=60)
            elapsed = time.monotonic() - begin
            text = result.content[0].text
            assert result.isError or int(counter.read_text()) > 3, text
            if not result.isError:
                raise AssertionError("served before any failure was seen")
        assert elapsed < 1.0, f"{elapsed:.2f}s"
        assert "The MetricFlow worker for this project is unavailable" in text
        assert "exited with status 2" in text
        # Started again with backoff (1 s, 2 s, 4 s), then served.
        served_again(session)
        assert int(counter.read_text()) == 4
    finally:
        session.close()


def test_ready_names_the_tenant_state_and_cause(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    (project / "profiles.yml").unlink()
    server = HttpGateway(gateway_env(project))
    try:
        def failed():
            reply = httpx.get(server.url + "/ready", timeout=30)
            body = reply.json()
            return (reply, body) if body["tenants"]["default"]["state"] == "engine failed" \
                else None
        reply, body = wait_until(failed, 60, "/ready to report the engine's failure")
        assert reply.status_code == 503
        assert body["ready"] is False
        assert "has no readable profiles.yml" in body["tenants"]["default"]["cause"]
    finally:
        assert server.close() == 0


def test_the_worker_leaves_no_temporary_directory(tmp_path):
    scratch_parent = tmp_path / "tmp"
    scratch_parent.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch_parent))
    project = copy_project(demo_project(), tmp_path / "project")
    args = ["--listen", f"unix:{tmp_path}/w.sock", "--project-dir", project,
            "--profiles-dir", project, *AS_ROOT]
    # Serving, then SIGTERM.
    worker = WorkerProcess(args, env=env)
    worker.wait_for("health: SERVING", timeout=240)
    assert list(scratch_parent.iterdir()), "the engine's scratch directory is not under TMPDIR"
    assert worker.stop() == 0
    assert list(scratch_parent.iterdir()) == []
    # A start that fails (no readable profile) leaves nothing either.
    (project / "profiles.yml").write_text("mf_tutorial: [\n")
    worker = WorkerProcess(args, env=env)
    worker.wait_for("cannot start", timeout=120)
    assert worker.stop() == 0
    assert list(scratch_parent.iterdir()) == []


def test_the_gateway_removes_its_socket_directory(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    gateway = RawStdio(gateway_env(project))
    gateway.initialize()
    [pid] = wait_until(lambda: worker_pids(project), 30, "the worker")
    argv = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    listen = argv[argv.index(b"--listen") + 1].decode()
    socket_dir = pathlib.Path(listen.removeprefix("unix:")).parent
    assert socket_dir.is_dir()
    assert gateway.close() == 0
    assert not socket_dir.exists()


def test_credentials_never_leave_the_worker(tmp_path):
    canary = "canary-5e1f0c2d"
    project = copy_project(demo_project(), tmp_path / "project")
    profiles = project / "profiles.yml"
    # A profile value dbt rejects, and echoes, read from a secret variable.
    profiles.write_text(profiles.read_text() +
                        "      threads: \"{{ env_var('WAREHOUSE_PASSWORD') }}\"\n")
    gateway = RawStdio(gateway_env(project, WAREHOUSE_PASSWORD=canary))
    try:
        gateway.initialize()
        deadline = time.monotonic() + 180
        while True:
            reply = gateway.request(7, "tools/call", {"name": "query",
                                                      "arguments": {"metrics": ["transactions"]}},
                                    timeout=120)
            text = reply["result"]["content"][0]["text"]
            if "cannot start" in text or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "cannot start" in text, text
        assert canary not in text
        assert "[REDACTED]" in text, text
        assert "site-packages" not in text
    finally:
        gateway.close()
    log = gateway.stderr
    assert "threads" in log  # The engine's own output was logged.
    assert canary not in log
