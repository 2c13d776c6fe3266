"""The worker's start-up checks: every numeric flag has a range, and the
open-file limit is raised to the hard limit (or the worker says why it cannot
run), run on the real worker binary."""

import os
import subprocess

import pytest

from harness import demo_project
from worker_harness import WORKER, WorkerProcess, copy_project

AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []

BAD_FLAGS = [
    (["--max-rows=0"], "--max-rows must be between 1 and 1000000, not 0"),
    (["--max-rows=5000000"], "--max-rows must be between 1 and 1000000"),
    (["--default-limit=-1"], "--default-limit must be between 1 and"),
    (["--max-rows=10", "--default-limit=100"],
     "--default-limit (100) must not exceed --max-rows (10)"),
    (["--startup-timeout-seconds=0"], "--startup-timeout-seconds must be between 1"),
    (["--engine-memory-mb=1"], "--engine-memory-mb must be between 256"),
    (["--metrics-listen=127.0.0.1:70000"], "--metrics-listen must be HOST:PORT"),
    (["--health-listen=localhost"], "--health-listen must be HOST:PORT"),
    (["--warehouse-ports=0"], "--warehouse-ports: bad port '0'"),
]


@pytest.mark.parametrize("flags,message", BAD_FLAGS)
def test_a_flag_out_of_range_stops_the_worker_at_once(tmp_path, flags, message):
    project = demo_project()
    result = subprocess.run(
        [str(WORKER), "--listen", f"unix:{tmp_path}/w.sock", "--project-dir", str(project),
         "--profiles-dir", str(project), *AS_ROOT, *flags],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_a_port_out_of_range_on_listen_is_refused(tmp_path):
    project = demo_project()
    result = subprocess.run(
        [str(WORKER), "--listen", "127.0.0.1:0", "--project-dir", str(project),
         "--profiles-dir", str(project), *AS_ROOT],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "--listen must be HOST:PORT with a port from 1 to 65535" in result.stderr


def test_the_worker_serves_under_an_open_file_limit_of_1024(tmp_path):
    # 1024 is a common container default; the spawner once needed descriptor
    # number 2000 for its error pipe and the engine never started (exit 127).
    project = copy_project(demo_project(), tmp_path / "project")
    worker = WorkerProcess(["--listen", f"unix:{tmp_path}/w.sock", "--project-dir", project,
                            "--profiles-dir", project, *AS_ROOT],
                           binary="prlimit", prefix=["--nofile=1024:1024", str(WORKER)])
    try:
        worker.wait_for("health: SERVING", timeout=240)
    finally:
        worker.stop()


def test_a_hard_limit_too_low_is_a_clear_failure(tmp_path):
    project = demo_project()
    result = subprocess.run(
        ["prlimit", "--nofile=64:64", str(WORKER), "--listen", f"unix:{tmp_path}/w.sock",
         "--project-dir", str(project), "--profiles-dir", str(project), *AS_ROOT],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "mfgate-worker needs at least 256 open files, but its limit is 64" in result.stderr
