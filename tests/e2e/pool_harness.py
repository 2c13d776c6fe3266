"""A worker run with chosen pool flags behind a stdio gateway, and a client
that keeps many tool calls in flight at once (the gateway answers them in
any order) and can cancel one; also the worker's engine processes."""

import json
import pathlib
import threading
import time

from harness import RawStdio, gateway_env
from worker_harness import WorkerProcess


def engine_pids(worker_pid):
    """Pids of the engine hosts (mf_host.py) under the worker."""
    parents, hosts = {}, set()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if b"mf_host.py" in command:
            hosts.add(int(entry.name))

    def under_worker(pid):
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == worker_pid:
                return True
        return False

    return {pid for pid in hosts if under_worker(pid)}


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Tenant:
    """`mfgate-worker` on `project` with `flags`, and a stdio gateway whose one
    tenant is that worker."""

    def __init__(self, tmp_path, project, flags, env=None):
        socket = tmp_path / "w.sock"
        self.worker = WorkerProcess(
            ["--listen", f"unix:{socket}", "--user", "root", "--project-dir", project,
             "--profiles-dir", project, *flags], env=env)
        try:
            self.worker.wait_for("health: SERVING")
        except AssertionError:
            self.worker.stop()  # Leave no worker behind a failed test.
            raise
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({"tenants": [
            {"name": "t", "worker": {"address": f"unix:{socket}"}}]}))
        self.gateway = RawStdio(gateway_env(project, **(env or {})), ["--config", config])
        self.gateway.initialize()
        self._lock = threading.Lock()
        self._answers = {}  # id -> (message, monotonic arrival)
        self._next_id = 1000
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                message = self.gateway.read(timeout=3600)
            except (AssertionError, ValueError, OSError):
                return
            if "id" in message and "method" not in message:
                with self._lock:
                    self._answers[message["id"]] = (message, time.monotonic())

    def send(self, tool, arguments):
        """Starts a tool call; returns its id."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
        self.gateway.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
                           "params": {"name": tool, "arguments": arguments}})
        return request_id

    def cancel(self, request_id):
        self.gateway.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                           "params": {"requestId": request_id, "reason": "test"}})

    def answer(self, request_id, timeout=300):
        """(result, arrival time) of call `request_id`; None when cancelled
        calls get no answer within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if request_id in self._answers:
                    message, at = self._answers.pop(request_id)
                    assert "result" in message, message
                    return message["result"], at
            time.sleep(0.01)
        return None

    def call(self, tool, arguments, timeout=300):
        """The result of a tool call and how long it took."""
        began = time.monotonic()
        answered = self.answer(self.send(tool, arguments), timeout)
        assert answered is not None, f"no answer to {tool} within {timeout}s:\n{self.log}"
        result, at = answered
        return result, at - began

    def engines(self):
        return engine_pids(self.worker.process.pid)

    def wait_engines(self, count, ready=None, timeout=300):
        """Until `count` engines run and the worker's log has said `ready`
        (default `count`) times that one was ready."""
        deadline = time.monotonic() + timeout
        ready = count if ready is None else ready
        while time.monotonic() < deadline:
            if len(self.engines()) == count and self.worker.log.count("engine: ready") >= ready:
                return
            time.sleep(0.1)
        raise AssertionError(f"not {count} engines ({self.engines()}):\n{self.log}")

    @property
    def log(self):
        return self.worker.log

    def close(self):
        self.gateway.close()
        self.worker.stop()


def text_of(result):
    return result["content"][0]["text"] if result.get("content") else ""
