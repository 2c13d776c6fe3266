"""An mfgate gateway serving HTTP for tests: started on a free port, ready
once /health answers, stopped (SIGTERM) at the end; its stderr is collected
(`log`) so that a chatty gateway never blocks on a full pipe."""

import os
import socket
import subprocess
import threading
import time

import httpx

from harness import GATEWAY


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpGateway:
    def __init__(self, env, args=(), scheme="http", verify=True):
        self.port = free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.verify = verify
        self.process = subprocess.Popen(
            [str(GATEWAY), "--transport", "http", "--listen", f"127.0.0.1:{self.port}", *args],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self._lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reader.join(5)
                raise AssertionError(self.log)
            try:
                if httpx.get(self.url + "/health", timeout=1,
                             verify=self.verify).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the HTTP gateway did not start")

    def _read(self):
        for line in self.process.stderr:
            self._lines.append(line.decode(errors="replace"))

    @property
    def log(self):
        return "".join(self._lines)

    def post(self, path, body, headers=None, timeout=60, **kwargs):
        base = {"Content-Type": "application/json",
                "Accept": "application/json, text/event-stream"}
        base.update(headers or {})
        return httpx.post(self.url + path, content=body if isinstance(body, (bytes, str))
                          else __import__("json").dumps(body), headers=base, timeout=timeout,
                          verify=self.verify, **kwargs)

    def initialize(self, headers):
        reply = self.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                   "params": {"protocolVersion": "2025-06-18",
                                              "capabilities": {},
                                              "clientInfo": {"name": "t", "version": "1"}}},
                          headers)
        assert reply.status_code == 200, reply.text
        return reply.headers["mcp-session-id"]

    def close(self):
        self.process.terminate()
        try:
            return self.process.wait(30)
        finally:
            self._reader.join(5)
