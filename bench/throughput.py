"""(e): one mfgate over Streamable HTTP, alone on the machine, under
bench/load_http with 1, 8 and 64 clients calling list_metrics; its report
lines and its targets (calls/s, idle gateway RSS)."""

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

from layout import GATEWAY, LOAD_HTTP
from procfs import cpu_seconds, format_rss, mfgate_tree, rss_mb

# (e)'s limits: the defaults (50 requests/s and a burst of 100 per tenant, 64
# sessions) would measure the rate limiter, not the gateway.
THROUGHPUT_LIMITS = {"requests_per_second": 1e6, "burst": 1e6,
                     "max_sessions_per_tenant": 1000}
CALLS_PER_SECOND_TARGET = 5000
IDLE_RSS_TARGET_MB = 30


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
        time.sleep(3)
        idle = rss_mb(mfgate_tree(gateway.pid))
        runs = []
        for clients in args.load_clients:
            runs.append(run_load(url, gateway.pid, clients, args.load_seconds))
            print(json.dumps(runs[-1]), flush=True)
        time.sleep(3)
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
             "MCP session and keep-alive connection per client, all driven by one epoll "
             "thread) calls "
             f"list_metrics for {runs[0]['seconds']:g} s after 1 s of warm-up. CPU is the "
             "share of all cores in the measured window (generator: load_http itself). "
             "After the first call, the gateway answers list_metrics from the result it "
             "kept, with no call to the worker, while the worker's manifest stream confirms "
             "that result's manifest (README, Observability): this measures the gateway's "
             "HTTP path.", "",
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
    lines += ["", f"Idle RSS of (e) 3 s after its last run: {format_rss(idle_after)}."]
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
                     f"{per_call['worker']:.0f} µs (a kept answer needs no worker call "
                     f"while its manifest is confirmed); {CALLS_PER_SECOND_TARGET:,} calls/s on {cores} cores "
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
                 + " (VmRSS of the gateway process alone, idle for 3 s after a few hundred "
                 f"calls); (e) after its 64-client run: {idle_after_load['gateway']:.1f} MB.")
    return lines
