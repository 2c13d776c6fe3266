"""Runs the built `mfgate-worker` directly, as a Kubernetes pod or a test host
would, and follows its log."""

import os
import pathlib
import shutil
import subprocess
import threading
import time

from harness import REPO

WORKER = REPO / "bazel-bin" / "worker" / "mfgate-worker"
RUNFILES = REPO / "bazel-bin" / "worker" / "mfgate-worker.runfiles" / "mfgate"


def install_worker(directory):
    """Copies the worker, its sandbox, engine host and protobuf modules into
    `directory` (world-readable), as a package would install them: the Bazel
    output tree lives under a home directory other users cannot enter.
    Returns the worker's flags that point at the copies."""
    directory = pathlib.Path(directory)
    (directory / "bin").mkdir(parents=True, exist_ok=True)
    for binary in ("worker/mfgate-worker", "worker/sandbox/mfgate-sandbox"):
        shutil.copy(RUNFILES / binary, directory / "bin")
    shutil.copytree(RUNFILES / "worker" / "engine" / "host", directory / "host",
                    dirs_exist_ok=True)
    shutil.copytree(RUNFILES / "proto", directory / "proto", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.cc", "*.h", "*.proto"))
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o755)
    return directory / "bin" / "mfgate-worker", [
        "--sandbox", str(directory / "bin" / "mfgate-sandbox"),
        "--engine-host", str(directory / "host" / "mf_host.py"),
        "--proto-path", str(directory / "proto"),
        "--python", str(REPO / ".venv" / "bin" / "python")]


def copy_project(source, destination, owner=None):
    """A copy of a dbt project whose profile points at the copy's DuckDB file,
    owned by uid `owner` when given."""
    source, destination = pathlib.Path(source).resolve(), pathlib.Path(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = destination / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(source), str(destination)))
    if owner is not None:
        for path in [destination, *destination.rglob("*")]:
            os.chown(path, owner, owner)
    return destination


class WorkerProcess:
    """A running mfgate-worker whose stderr is collected."""

    def __init__(self, args, binary=WORKER, env=None, prefix=()):
        """`prefix`: arguments before `args` (for a `binary` such as prlimit
        that runs the worker)."""
        self.process = subprocess.Popen([str(binary), *map(str, prefix), *map(str, args)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env)
        self._lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.append(line.decode(errors="replace"))

    @property
    def log(self):
        return "".join(self._lines)

    def wait_for(self, text, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log:
                return
            if self.process.poll() is not None:
                time.sleep(0.2)  # Let the reader catch the last lines.
                raise AssertionError(f"worker exited ({self.process.returncode}):\n{self.log}")
            time.sleep(0.1)
        raise AssertionError(f"no '{text}' in the worker's log:\n{self.log}")

    def children(self):
        """Pids of the worker's child processes."""
        found = []
        for entry in pathlib.Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
        return self.process.returncode
