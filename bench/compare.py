"""mfgate against mcp-metricflow and against MetricFlow in-process, side by side.

Same demo project (one copy per system: DuckDB admits one writer process per
file), same official MCP Python client, same machine, one run, with the calls
of each round alternating between the systems:
  (a) mcp-metricflow 1.0.0 over stdio, configured with its own env vars;
  (b) mfgate over stdio;  (c) mfgate over Streamable HTTP;
  (d) MetricFlow's engine called in-process: the floor.
Prints p50/p90/p99 per call and system, the ratios (a)/(b) and (b)/(d), the
cold start of (a) and (b), the peak RSS of mfgate's processes and the idle RSS
of (b) and (c) (gateway, worker and engine apart).
Then, alone on the machine, (e) one more mfgate over Streamable HTTP (limits
raised, see THROUGHPUT_LIMITS) under bench/load_http with 1, 8 and 64 clients
calling list_metrics: calls/s, errors, p50/p99 and each process's CPU share.
Ends with the verdict against the targets. Run with `make bench`.
"""

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

REPO = pathlib.Path(__file__).resolve().parents[1]
# An optimized build of its own (-c opt), beside the tests' bazel-bin.
BIN = REPO / ".bench-bin"
GATEWAY = BIN / "gateway" / "mfgate"
MM_VENV = REPO / "bench" / ".venv-mcp-metricflow"
LOAD_HTTP = BIN / "bench" / "load_http"
# (e)'s limits: the defaults (50 requests/s and a burst of 100 per tenant, 64
# sessions) would measure the rate limiter, not the gateway.
THROUGHPUT_LIMITS = {"requests_per_second": 1e6, "burst": 1e6,
                     "max_sessions_per_tenant": 1000}
CALLS_PER_SECOND_TARGET = 5000
IDLE_RSS_TARGET_MB = 30

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


def processes():
    """{pid: (parent pid, command line)} of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{entry}/stat").read()
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
            found[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline.decode())
        except (OSError, ValueError, IndexError):
            continue
    return found


def mfgate_tree(gateway_pid):
    """{"gateway": [pid], "worker": [...], "engine": [...]}: the gateway, the
    mfgate-worker processes under it, and every other process under those (the
    engine's Python and its helpers)."""
    table = processes()
    tree, todo = {"gateway": [gateway_pid], "worker": [], "engine": []}, [gateway_pid]
    while todo:
        parent = todo.pop()
        for pid, (ppid, cmdline) in table.items():
            if ppid == parent:
                program = os.path.basename(cmdline.split(" ", 1)[0])
                tree["worker" if program == "mfgate-worker" else "engine"].append(pid)
                todo.append(pid)
    return tree


def stdio_gateway_pid(exclude):
    """The stdio mfgate that the MCP client started (a child of this process)."""
    for pid, (ppid, cmdline) in processes().items():
        if ppid == os.getpid() and cmdline.startswith(str(GATEWAY)) and pid not in exclude:
            return pid
    raise RuntimeError("no stdio mfgate among this process's children")


def rss_mb(tree):
    """VmRSS in MB (10^6 bytes) of each part of an mfgate_tree."""
    result = {}
    for part, pids in tree.items():
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, ValueError):
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        result[part] = total / 1e6
    return result


def cpu_seconds(tree):
    """utime + stime in seconds of each part of an mfgate_tree."""
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for part, pids in tree.items():
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        result[part] = total / ticks
    return result


def format_rss(rss):
    return ", ".join(f"{part} {mb:.1f} MB" for part, mb in rss.items())


def wait_ready(url, seconds=300):
    """Waits until the HTTP gateway's /ready answers 200 (its engine loaded)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, urllib.error.URLError):
            if opener.open(url + "/ready", timeout=2).status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {seconds} s")


def run_load(url, gateway_pid, clients, seconds, warmup=1.0):
    """One load_http run; its JSON line plus the CPU share (of all cores) that
    the gateway, its worker and its engine used during the measured window."""
    command = [str(LOAD_HTTP), "--url", url + "/mcp", "--clients", str(clients),
               "--seconds", str(seconds), "--warmup", str(warmup), "--tool", "list_metrics"]
    tree = mfgate_tree(gateway_pid)
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(warmup)
    before, began = cpu_seconds(tree), time.perf_counter()
    time.sleep(seconds)
    after, wall = cpu_seconds(tree), time.perf_counter() - began
    out, err = load.communicate(timeout=seconds + 300)
    if not out.strip():
        raise RuntimeError(f"load_http failed ({load.returncode}): {err}")
    result = json.loads(out.strip().splitlines()[-1])
    cores = os.cpu_count()
    result["cpu_share_of"] = {part: (after[part] - before[part]) / (wall * cores)
                              for part in tree}
    if err.strip():
        result["stderr"] = err.strip().splitlines()[-1]
    return result


def throughput(args, project):
    """(e): a fresh HTTP gateway with raised limits, alone on the machine, under
    load_http; returns its runs, its idle RSS after a few calls and after the runs."""
    config = project.parent / "e-gateway.json"
    config.write_text(json.dumps({
        "tenants": [{"name": "bench", "worker": {"spawn": {"project_dir": str(project)}}}],
        "limits": THROUGHPUT_LIMITS}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gateway = subprocess.Popen([str(GATEWAY), "--transport", "http", "--listen",
                                f"127.0.0.1:{port}", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(url)
        run_load(url, gateway.pid, 1, 1)  # A few hundred calls, as (b) and (c) had.
        time.sleep(2)
        idle = rss_mb(mfgate_tree(gateway.pid))
        runs = []
        for clients in args.load_clients:
            runs.append(run_load(url, gateway.pid, clients, args.load_seconds))
            print(json.dumps(runs[-1]), flush=True)
        time.sleep(2)
        return runs, idle, rss_mb(mfgate_tree(gateway.pid))
    finally:
        gateway.terminate()
        gateway.wait(30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput_lines(runs, idle_after):
    lines = ["", "Throughput: (e) one mfgate over Streamable HTTP, alone on the machine, "
             f"with limits {json.dumps(THROUGHPUT_LIMITS)}; bench/load_http (C++, one "
             "thread, keep-alive connection and MCP session per client) calls "
             f"list_metrics for {runs[0]['seconds']:g} s after 1 s of warm-up. CPU is the "
             "share of all cores in the measured window (generator: load_http itself).", "",
             "| clients | calls/s | errors | p50 ms | p99 ms | generator CPU | gateway CPU "
             "| worker CPU | engine CPU |", "|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        share = run["cpu_share_of"]
        refused = run["clients"] - run["sessions"]
        errors = str(run["errors"]) + (f" ({refused} clients without a session)"
                                       if refused else "")
        lines.append(f"| {run['clients']} | {run['calls_per_second']:.0f} | {errors} | "
                     f"{run['p50_ms']:.2f} | {run['p99_ms']:.2f} | {run['cpu_share']:.0%} | "
                     f"{share['gateway']:.0%} | {share['worker']:.0%} | {share['engine']:.0%} |")
    lines += ["", f"Idle RSS of (e) 2 s after its last run: {format_rss(idle_after)}."]
    return lines


def throughput_targets(runs, idle, idle_after_load):
    """Target lines for the 64-client run and the idle gateway RSS (`idle`:
    {system: rss_mb} after a few calls)."""
    lines = []
    run = next((r for r in runs if r["clients"] == 64), None)
    if run is None:
        lines.append(f"- ≥ {CALLS_PER_SECOND_TARGET:,} `list_metrics` calls/s over Streamable "
                     "HTTP with 64 clients and 0 errors: **not measured** (no 64-client run).")
    else:
        refused = run["clients"] - run["sessions"]
        met = (run["calls_per_second"] >= CALLS_PER_SECOND_TARGET and run["errors"] == 0
               and not refused)
        share = run["cpu_share_of"]
        note = (" The generator used {:.0%} of the machine, so it may have been the "
                "bottleneck.".format(run["cpu_share"]) if run["cpu_share"] > 0.5 else "")
        if not met:
            cores = os.cpu_count()
            busy = run["cpu_share"] + sum(share.values())
            per_call = {part: share[part] * cores / run["calls_per_second"] * 1e6
                        for part in ("gateway", "worker")}
            note += (f" Why: the machine was {busy:.0%} busy (all parts together), so "
                     f"CPU per call bounds the rate: the gateway spent "
                     f"{per_call['gateway']:.0f} µs of CPU per call and the worker "
                     f"{per_call['worker']:.0f} µs (its metadata cache answers without the "
                     f"engine); {CALLS_PER_SECOND_TARGET:,} calls/s on {cores} cores "
                     f"leaves {cores / CALLS_PER_SECOND_TARGET * 1e6:.0f} µs per call for "
                     "gateway, worker and generator together.")
        lines.append(f"- ≥ {CALLS_PER_SECOND_TARGET:,} `list_metrics` calls/s over Streamable "
                     f"HTTP with 64 clients and 0 errors: **{'met' if met else 'missed'}**, "
                     f"{run['calls_per_second']:,.0f} calls/s with {run['errors']} errors"
                     + (f" and {refused} clients without a session" if refused else "") +
                     f" (p50 {run['p50_ms']:.2f} ms, p99 {run['p99_ms']:.2f} ms; CPU: gateway "
                     f"{share['gateway']:.0%}, worker {share['worker']:.0%}, engine "
                     f"{share['engine']:.0%}, generator {run['cpu_share']:.0%} of the "
                     f"machine).{note}")
    met = all(rss["gateway"] <= IDLE_RSS_TARGET_MB for rss in idle.values())
    lines.append(f"- Gateway RSS ≤ {IDLE_RSS_TARGET_MB} MB idle: **{'met' if met else 'missed'}**"
                 ", " + ", ".join(f"{name} {rss['gateway']:.1f} MB" for name, rss in idle.items())
                 + " (VmRSS of the gateway process alone, idle for 2 s after a few hundred "
                 f"calls); (e) after its 64-client run: {idle_after_load['gateway']:.1f} MB.")
    return lines


async def main(args):
    subprocess.run(["bazel", "build", "-c", "opt", "--symlink_prefix=.bench-",
                    "//gateway:mfgate", "//worker:mfgate-worker", "//bench:load_http"],
                   cwd=REPO, check=True)
    work = pathlib.Path(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    demo = pathlib.Path(args.project_dir).resolve()
    projects = {k: copy_project(demo, work / k) for k in ["a", "b", "c", "d", "e"]}
    lines = [f"# mfgate benchmark ({time.strftime('%Y-%m-%d')})", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Linux "
             f"{platform.release()}; Python {platform.python_version()}."]
    targets, idle = [], {}
    if not args.throughput_only:
        latency_lines, targets, idle = await latency(args, work, projects)
        lines += latency_lines
    runs, idle["(e) http"], idle_after_load = throughput(args, projects["e"])
    lines += throughput_lines(runs, idle_after_load)
    command = ("bench/compare.py --throughput-only" if args.throughput_only else
               "`make bench` (bench/compare.py --rounds "
               f"{args.rounds} --rounds-mcp-metricflow {args.rounds_mcp_metricflow}")
    lines += ["", f"Command: {command} --load-seconds {args.load_seconds:g}"
              f"{'' if args.throughput_only else ')'}.", "",
              "## Against the targets (this run)", ""]
    lines += targets[:2] + throughput_targets(runs, idle, idle_after_load) + targets[2:]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.write:
        (REPO / "bench" / "RESULTS.md").write_text(report)


async def latency(args, work, projects):
    """(a)-(d): the report's latency part, its target lines, and the idle RSS
    of (b) and (c)."""
    def env_for(project, **extra):
        return dict(os.environ, DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(project),
                    **extra)

    http_port = free_port()
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
        ("mfgate (gateway)", ".bench-bin/gateway/mfgate"),
        ("mfgate-worker", "mfgate-worker --listen"), ("engine host", "mf_host.py")]}
    time.sleep(2)
    idle = {"(b) stdio": rss_mb(mfgate_tree(stdio_gateway_pid(exclude={http.pid}))),
            "(c) http": rss_mb(mfgate_tree(http.pid))}
    await stack.aclose()
    http.terminate()
    http.wait(30)

    everyone = systems + [in_process]
    lines = [f"Rounds: {args.rounds} (mcp-metricflow: {args.rounds_mcp_metricflow}); "
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
    speedups, overheads = [], []
    for label, *_ in CALLS:
        a, b, d = (p50[(label, s.name)] for s in (systems[0], systems[1], in_process))
        speedups.append(a / b)
        overheads.append((b - d, b / d))
        lines.append(f"| {label} | {a / b:.0f}x | {b / d:.2f}x | {b - d:.2f} |")
    lines += ["", "Cold start (process start to the first list_metrics answer): " +
              ", ".join(f"{name} {ms:.0f} ms" for name, ms in cold.items()) + ".",
              "Peak RSS: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in rss.items()) + ".",
              "Idle RSS (VmRSS 2 s after the last call): " +
              "; ".join(f"{name}: {format_rss(parts)}" for name, parts in idle.items()) + "."]

    met = min(speedups) >= 30
    small = all(diff <= 0.5 or ratio <= 1.05 for diff, ratio in overheads)
    targets = [
        f"- ≥ 30× lower p50 than mcp-metricflow on every call: **{'met' if met else 'missed'}** "
        f"({min(speedups):.0f}×–{max(speedups):.0f}×).",
        f"- mfgate's overhead over in-process MetricFlow ≤ 0.5 ms p50 (or 5%): "
        f"**{'met' if small else 'missed'}**, {min(o[0] for o in overheads):.2f}–"
        f"{max(o[0] for o in overheads):.2f} ms p50. (b) includes the Python MCP client's "
        "own work and JSON on both ends, which (d) does not.",
        "- Cold start: mfgate's first answer waits for MetricFlow's one-time load in its "
        "engine (measured here while three other engines started at the same time)."]
    return lines, targets, idle


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--work-dir", default="/tmp/mfgate-bench")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--rounds-mcp-metricflow", type=int, default=10,
                        help="rounds that include mcp-metricflow (seconds per call)")
    parser.add_argument("--load-seconds", type=float, default=10,
                        help="measured seconds of each load_http run")
    parser.add_argument("--load-clients", type=lambda v: [int(c) for c in v.split(",")],
                        default=[1, 8, 64], help="client counts of the load_http runs")
    parser.add_argument("--throughput-only", action="store_true",
                        help="only (e): skip the latency comparison")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    asyncio.run(main(parser.parse_args()))
