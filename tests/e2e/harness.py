"""Drives the built `mfgate` gateway from tests, as real MCP clients do.

`McpSession` runs the official MCP Python SDK client (mcp.ClientSession over
mcp.client.stdio) on a background event loop so that synchronous pytest tests
can share one gateway process. `RawStdio` speaks newline-delimited JSON-RPC
to the gateway directly, for malformed input the SDK would never send.
"""

import asyncio
import json
import os
import pathlib
import select
import subprocess
import threading

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = pathlib.Path(__file__).resolve().parents[2]
GATEWAY = REPO / "bazel-bin" / "gateway" / "mfgate"


def demo_project():
    path = os.environ.get("MFGATE_DEMO_PROJECT")
    assert path, "MFGATE_DEMO_PROJECT must name the demo project (make test sets it)"
    return pathlib.Path(path)


def gateway_env(project_dir, profiles_dir=None, **extra):
    """The environment of a single-tenant gateway: only mcp-metricflow's vars."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DBT_", "MF_", "MCP_", "MFGATE_"))}
    env["DBT_PROJECT_DIR"] = str(project_dir)
    env["DBT_PROFILES_DIR"] = str(profiles_dir or project_dir)
    env.update(extra)
    return env


class McpSession:
    """One gateway process and an initialized SDK client session to it."""

    def __init__(self, env, args=(), timeout=300):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._ready = asyncio.run_coroutine_threadsafe(
            self._open(env, [str(arg) for arg in args]), self._loop)
        self.initialize_result = self._ready.result(timeout)

    async def _open(self, env, args):
        self._stop = asyncio.Event()
        self._opened = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._hold(env, args))
        return await self._opened

    async def _hold(self, env, args):
        params = StdioServerParameters(command=str(GATEWAY), args=args, env=env)
        try:
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    self.session = session
                    self._opened.set_result(await session.initialize())
                    await self._stop.wait()
        except BaseException as error:  # Surface start-up failures to the test.
            if not self._opened.done():
                self._opened.set_exception(error)
            raise

    def run(self, coroutine_factory, timeout=120):
        """Runs `coroutine_factory(session)` on the client loop and waits."""
        future = asyncio.run_coroutine_threadsafe(
            coroutine_factory(self.session), self._loop)
        return future.result(timeout)

    def call(self, name, arguments=None, timeout=120):
        return self.run(lambda s: s.call_tool(name, arguments or {}), timeout)

    def list_tools(self):
        return self.run(lambda s: s.list_tools())

    def close(self):
        async def stop():
            self._stop.set()
            try:
                await asyncio.wait_for(self._task, 30)
            except Exception:  # The gateway's exit status is checked elsewhere.
                pass
        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class RawStdio:
    """The gateway as a subprocess with line-level access to its stdio."""

    def __init__(self, env, args=()):
        self.process = subprocess.Popen(
            [str(GATEWAY), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        self._buffer = b""
        self._stderr = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self):
        for line in self.process.stderr:
            self._stderr.append(line.decode(errors="replace"))

    @property
    def stderr(self):
        return "".join(self._stderr)

    def send_bytes(self, data):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message):
        self.send_bytes(json.dumps(message).encode() + b"\n")

    def read(self, timeout=60):
        """The next message the gateway writes, parsed."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"no answer within {timeout}s; stderr:\n{self.stderr}"
            chunk = os.read(fd, 1 << 20)
            assert chunk, f"gateway closed stdout; stderr:\n{self.stderr}"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def read_response(self, request_id, timeout=60):
        """Reads until the response to `request_id`, skipping notifications."""
        while True:
            message = self.read(timeout)
            if message.get("id") == request_id and "method" not in message:
                return message

    def request(self, request_id, method, params=None, timeout=60):
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.read_response(request_id, timeout)

    def initialize(self, version="2025-06-18"):
        result = self.request(0, "initialize", {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def close(self, timeout=30):
        self.process.stdin.close()
        return self.process.wait(timeout)
