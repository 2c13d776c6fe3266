"""mfgate against mcp-metricflow and against MetricFlow in-process, side by side.

Same demo project (one copy per system: DuckDB admits one writer process per
file), same official MCP Python client, same machine, one run, with the calls
of each round alternating between the systems:
  (a) mcp-metricflow 1.0.0 over stdio, configured with its own env vars;
  (b) mfgate over stdio;  (c) mfgate over Streamable HTTP;
  (d) MetricFlow's engine called in-process: the floor.
Prints p50/p90/p99 per call and system, the ratios (a)/(b) and (b)/(d), the
cold start of (a) and (b), and the peak RSS of mfgate's processes.
Run with `make bench`.
"""

import argparse
import asyncio
import contextlib
import os
import pathlib
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

REPO = pathlib.Path(__file__).resolve().parents[1]
GATEWAY = REPO / "bazel-bin" / "gateway" / "mfgate"
MM_VENV = REPO / "bench" / ".venv-mcp-metricflow"

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
]


def copy_project(source, destination):
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("logs"))
    profiles = destination / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(source), str(destination)))
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
        self._adapter = mf_adapter.Adapter(artifacts, None, project / mf_adapter.MANIFEST)
        self.samples = {}

    def run(self, label, arguments):
        mf = self._adapter.mf
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
            (mf.explain if label == "compile_sql" else mf.query)(mf_request=request)
        self.samples.setdefault(label, []).append((time.perf_counter() - begin) * 1000)


def peak_rss_mib(pattern):
    """Peak RSS (VmHWM) of the processes whose command line contains `pattern`."""
    total = 0
    for entry in os.listdir("/proc"):
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
            if pattern.encode() in cmdline and b"compare.py" not in cmdline:
                for line in open(f"/proc/{entry}/status"):
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


async def main(args):
    work = pathlib.Path(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    demo = pathlib.Path(args.project_dir).resolve()
    projects = {k: copy_project(demo, work / k) for k in ["a", "b", "c", "d"]}

    def env_for(project, **extra):
        return dict(os.environ, DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(project),
                    **extra)

    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    http_port = port.getsockname()[1]
    port.close()
    http = subprocess.Popen([str(GATEWAY), "--transport", "http", "--listen",
                             f"127.0.0.1:{http_port}"], env=env_for(projects["c"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    systems = [
        McpSystem("(a) mcp-metricflow", lambda: stdio_client(StdioServerParameters(
            command=str(MM_VENV / "bin" / "mcp-metricflow"),
            env=env_for(projects["a"], MF_PATH=str(MM_VENV / "bin" / "mf"),
                        MF_TMP_DIR=str(work / "mf-tmp"))))),
        McpSystem("(b) mfgate stdio", lambda: stdio_client(StdioServerParameters(
            command=str(GATEWAY), env=env_for(projects["b"])))),
        McpSystem("(c) mfgate http", lambda: streamablehttp_client(
            f"http://127.0.0.1:{http_port}/mcp")),
    ]
    time.sleep(1)
    stack = contextlib.AsyncExitStack()
    cold = {}
    for system in systems[:2]:
        started = await system.start(stack)
        await system.call("cold", CALLS[0][1] if "mfgate" in system.name else CALLS[0][3], {})
        cold[system.name] = (time.perf_counter() - started) * 1000
    await systems[2].start(stack)
    in_process = InProcess(projects["d"])

    for round_number in range(args.rounds):
        for label, tool, arguments, old_tool, old_arguments in CALLS:
            if round_number < args.rounds_mcp_metricflow:
                await systems[0].call(label, old_tool, old_arguments)
            await systems[1].call(label, tool, arguments)
            await systems[2].call(label, tool, arguments)
            in_process.run(label, arguments)

    rss = {name: peak_rss_mib(pattern) for name, pattern in [
        ("mfgate (gateway)", "bazel-bin/gateway/mfgate"),
        ("mfgate-worker", "mfgate-worker --listen"), ("engine host", "mf_host.py")]}

    everyone = systems + [in_process]
    lines = [f"# mfgate benchmark ({time.strftime('%Y-%m-%d')})", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Linux "
             f"{platform.release()}; Python {platform.python_version()}.",
             f"Rounds: {args.rounds} (mcp-metricflow: {args.rounds_mcp_metricflow}); "
             "each round calls every system once per call, alternating.", "",
             "| call | system | p50 ms | p90 ms | p99 ms |", "|---|---|---|---|---|"]
    p50 = {}
    for label, *_ in CALLS:
        for system in everyone:
            samples = system.samples[label]
            p50[(label, system.name)] = statistics.median(samples)
            lines.append(f"| {label} | {system.name} | {statistics.median(samples):.2f} | "
                         f"{percentile(samples, 0.9):.2f} | {percentile(samples, 0.99):.2f} |")
    lines += ["", "| call | (a)/(b) p50 | (b)/(d) p50 | (b)-(d) p50 ms |", "|---|---|---|---|"]
    for label, *_ in CALLS:
        a, b, d = (p50[(label, s.name)] for s in (systems[0], systems[1], in_process))
        lines.append(f"| {label} | {a / b:.0f}x | {b / d:.2f}x | {b - d:.2f} |")
    lines += ["", "Cold start (process start to the first list_metrics answer): " +
              ", ".join(f"{name} {ms:.0f} ms" for name, ms in cold.items()) + ".",
              "Peak RSS: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in rss.items()) + ".",
              "", "Command: `make bench` (bench/compare.py --rounds "
              f"{args.rounds} --rounds-mcp-metricflow {args.rounds_mcp_metricflow})."]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.write:
        (REPO / "bench" / "RESULTS.md").write_text(report)
    await stack.aclose()
    http.terminate()
    http.wait(30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--work-dir", default="/tmp/mfgate-bench")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--rounds-mcp-metricflow", type=int, default=10,
                        help="rounds that include mcp-metricflow (seconds per call)")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    asyncio.run(main(parser.parse_args()))
