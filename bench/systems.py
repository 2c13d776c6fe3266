"""The systems the benchmark compares and the calls it makes of each."""

import json
import os
import shutil
import subprocess
import sys
import time

from mcp import ClientSession

from layout import GATEWAY, REPO

UNSEEN_COMPILE = "compile_sql, new query each round"
HEAVY_WHERE = "{{ Dimension('customer__customer_country') }} IN ('US', 'MX', 'FR')"
# (label, mfgate tool, mfgate arguments, mcp-metricflow tool, its arguments)
CALLS = [
    ("list_metrics", "list_metrics", {}, "list_metrics_tool", {}),
    ("list_dimensions", "list_dimensions", {"metrics": ["transactions"]},
     "list_dimensions_tool", {"metrics": ["transactions"]}),
    ("list_dimension_values", "list_dimension_values",
     {"dimension": "customer__customer_country", "metrics": ["transactions"]},
     "list_dimension_values_tool",
     {"dimension": "customer__customer_country", "metrics": ["transactions"]}),
    ("simple query", "query", {"metrics": ["transactions"], "group_by": ["metric_time__day"]},
     "query_tool", {"session_id": "b", "metrics": ["transactions"],
                    "group_by": ["metric_time__day"]}),
    ("heavy query", "query",
     {"metrics": ["transactions", "transaction_amount"],
      "group_by": ["metric_time__month", "customer__customer_country"],
      "where": HEAVY_WHERE, "order": ["-transaction_amount"], "limit": 10},
     "query_tool",
     {"session_id": "b", "metrics": ["transactions", "transaction_amount"],
      "group_by": ["metric_time__month", "customer__customer_country"],
      "where": HEAVY_WHERE, "order": ["-transaction_amount"], "limit": 10}),
    ("compile_sql", "compile_sql", {"metrics": ["transactions"],
                                    "group_by": ["metric_time__day"]},
     "query_tool", {"session_id": "b", "metrics": ["transactions"],
                    "group_by": ["metric_time__day"], "explain": True}),
    # Not one of the calls: compile_sql with a limit that changes every
    # round (see vary()), so that no cache can answer it; shows what a compile
    # the worker has not seen before costs.
    (UNSEEN_COMPILE, "compile_sql", {"metrics": ["transactions"],
                                     "group_by": ["metric_time__day"]},
     "query_tool", {"session_id": "b", "metrics": ["transactions"],
                    "group_by": ["metric_time__day"], "explain": True}),
]


def vary(label, arguments, round_number):
    """The arguments of `label` in round `round_number`."""
    return dict(arguments, limit=1 + round_number) if label == UNSEEN_COMPILE else arguments


def copy_project(source, destination):
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("logs"))
    profiles = destination / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(source), str(destination)))
    # The copy's profile differs only in the DuckDB file's directory, which
    # leaves the semantic manifest as it was: keep it current (newer than the
    # profile), as a deployed project's is, so that no system's cold start
    # includes a `dbt parse` the others skip.
    manifest = destination / "target" / "semantic_manifest.json"
    if manifest.exists():
        manifest.touch()
    return destination


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class McpSystem:
    """An MCP server driven by the Python SDK client on the shared event loop."""

    def __init__(self, name, opener):
        self.name, self._opener = name, opener
        self.samples = {}

    async def start(self, stack):
        """Connects within `stack` (closed last in, first out); returns the start time."""
        started = time.perf_counter()
        streams = await stack.enter_async_context(self._opener())
        self._session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
        await self._session.initialize()
        return started

    async def call(self, label, tool, arguments):
        begin = time.perf_counter()
        result = await self._session.call_tool(tool, arguments)
        elapsed = (time.perf_counter() - begin) * 1000
        if result.isError:
            raise RuntimeError(f"{self.name} {label}: {result.content[0].text}")
        self.samples.setdefault(label, []).append(elapsed)


class RawStdio:
    """mfgate over stdio driven by a minimal JSON-RPC client: one line out, lines
    in until the answer, json.loads. What (b) costs beyond this is the MCP
    Python SDK's own work (pydantic models, anyio streams), not mfgate's."""

    def __init__(self, name, env):
        self.name, self.samples, self._next = name, {}, 0
        self.process = subprocess.Popen([str(GATEWAY)], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                     "clientInfo": {"name": "bench", "version": "1"}})
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _send(self, message):
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _request(self, method, params):
        self._next += 1
        self._send({"jsonrpc": "2.0", "id": self._next, "method": method, "params": params})
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.name}: the gateway closed its output")
            message = json.loads(line)
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{self.name} {method}: {message['error']}")
                return message["result"]

    def call(self, label, tool, arguments):
        begin = time.perf_counter()
        result = self._request("tools/call", {"name": tool, "arguments": arguments})
        elapsed = (time.perf_counter() - begin) * 1000
        if result.get("isError"):
            raise RuntimeError(f"{self.name} {label}: {result['content'][0]['text']}")
        self.samples.setdefault(label, []).append(elapsed)

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


class InProcess:
    """MetricFlow's engine in this process (d): the requests mfgate makes."""

    name = "(d) in-process"

    def __init__(self, project):
        sys.path.insert(0, str(REPO / "worker" / "engine" / "host"))
        os.environ.setdefault("DO_NOT_TRACK", "1")
        import mf_adapter
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
        self._request = MetricFlowQueryRequest
        metadata = mf_adapter.load_project_metadata(project, project, "")
        artifacts = mf_adapter.dbtArtifacts.load_from_project_metadata(metadata)
        self._adapter = mf_adapter.Adapter(artifacts, None,
                                           (project / mf_adapter.MANIFEST).read_bytes())
        self.samples = {}

    def run(self, label, arguments):
        """Times `label`; returns the engine's answer to a query or compile."""
        mf = self._adapter.mf
        result = None
        begin = time.perf_counter()
        if label == "list_metrics":
            mf.list_metrics()
        elif label == "list_dimensions":
            mf.simple_dimensions_for_metrics(arguments["metrics"])
        elif label == "list_dimension_values":
            mf.get_dimension_values(metric_names=arguments["metrics"],
                                    get_group_by_values=arguments["dimension"])
        else:
            request = self._request.create(
                metric_names=arguments["metrics"], group_by_names=arguments["group_by"],
                where_constraints=[arguments["where"]] if "where" in arguments else None,
                order_by_names=arguments.get("order"), limit=arguments.get("limit", 100))
            result = (mf.explain if label.startswith("compile_sql") else mf.query)(
                mf_request=request)
        self.samples.setdefault(label, []).append((time.perf_counter() - begin) * 1000)
        return result
