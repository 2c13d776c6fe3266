"""(f): the worker's engine pool, on DuckDB (the demo project) and on
PostgreSQL (the shop example on a server started here).

Each tenant is an `mfgate-worker` with the pool flags under test, behind a
stdio `mfgate` whose one tenant it is; a minimal JSON-RPC client keeps N tool
calls in flight (N concurrent clients), each a query no other call asked
(its limit differs), so that nothing is answered from a cache. Reports:
queries/s for 1, 4 and 16 clients with pools of 1, 2 and 4 engines; p50/p99
of two clients' queries while a third caller's slow query is cancelled
after a second, against the same load where that query finishes on its own
after a second; the memory of a tenant with engines running and stopped
while idle, and the first query after idle; 20 idle tenants on one machine.
Run by `make bench`, or alone with `bench/compare.py --pool-only`.
"""

import asyncio
import contextlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

from layout import BIN, GATEWAY, REPO
from procfs import processes
from procfs import rss_mb as procfs_rss_mb
from systems import copy_project, percentile
from throughput import free_port

WORKER = BIN / "worker" / "mfgate-worker"
QPS_RATIO_TARGET = 3.0  # 16 clients, 4 engines against 1, on PostgreSQL.
# Seconds each query of the warehouse-bound grid waits at PostgreSQL (a
# query of a warehouse on another machine: its time is the warehouse's).
WAREHOUSE_SECONDS = 0.1
CANCEL_P99_TARGET_MS = 50
IDLE_WORKER_TARGET_MB = 30
PG_PASSWORD = "bench-pg-password"
HEADING = "## Engine pool (f)"


def rss_mb(pids):
    """VmRSS in MB of `pids` together."""
    return procfs_rss_mb({"all": pids})["all"]


def descendants(pid):
    table, found, todo = processes(), [], [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in table.items():
            if ppid == parent:
                found.append(child)
                todo.append(child)
    return found


class Tenant:
    """A worker with `flags` on `project` and a stdio gateway for it;
    `tenant` adds to the tenant's entry of the gateway's configuration."""

    def __init__(self, work, name, project, flags, env, tenant=None):
        self.dir = work / name
        self.dir.mkdir(parents=True)
        socket = self.dir / "w.sock"
        self.log = open(self.dir / "worker.log", "wb")
        self.worker = subprocess.Popen(
            [str(WORKER), "--listen", f"unix:{socket}", "--project-dir", str(project),
             "--profiles-dir", str(project), "--user", "root", *flags],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
        (self.dir / "gateway.json").write_text(json.dumps(
            {"tenants": [dict({"name": name, "worker": {"address": f"unix:{socket}"}},
                              **(tenant or {}))]}))
        self.env, self.sessions = env, []

    def log_text(self):
        return (self.dir / "worker.log").read_text(errors="replace")

    def engines(self):
        return descendants(self.worker.pid)

    def hosts(self):
        """The engine hosts running now."""
        found = []
        for pid in self.engines():
            with contextlib.suppress(OSError):
                if b"mf_host" in open(f"/proc/{pid}/cmdline", "rb").read():
                    found.append(pid)
        return found

    async def wait_engines(self, count, seconds=600, running=True):
        """Until the log has said `count` times that an engine was ready (and,
        when `running`, `count` engines run)."""
        deadline = time.monotonic() + seconds
        while not ((not running or len(self.hosts()) >= count)
                   and self.log_text().count("engine: ready") >= count):
            if time.monotonic() > deadline or self.worker.poll() is not None:
                raise RuntimeError(f"{self.dir}: not {count} engines:\n{self.log_text()}")
            await asyncio.sleep(0.2)

    async def open(self, sessions=2):
        self.sessions = [await Session().open(self.dir / "gateway.json", self.env)
                         for _ in range(sessions)]

    def start(self, method, params):
        return self.sessions[0].start(method, params)

    def cancel(self, request_id):
        self.sessions[0].cancel(request_id)

    async def call(self, tool, arguments, session=0):
        return await self.sessions[session].call(tool, arguments)

    async def close(self):
        for session in self.sessions:
            await session.close()
        self.worker.terminate()
        self.worker.wait(60)
        self.log.close()


class Session:
    """One stdio gateway process (one MCP session) for a tenant; it allows
    16 calls in flight, so loads spread over several."""

    async def open(self, config, env):
        self.gateway = await asyncio.create_subprocess_exec(
            str(GATEWAY), "--config", str(config), env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            limit=1 << 24)
        self.waiting, self.next_id = {}, 0
        self.reader = asyncio.create_task(self._read())
        await self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                          "clientInfo": {"name": "bench", "version": "1"}})
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return self

    async def _read(self):
        while line := await self.gateway.stdout.readline():
            message = json.loads(line)
            future = self.waiting.pop(message.get("id"), None)
            if future is not None and not future.done():
                future.set_result(message)

    def _send(self, message):
        self.gateway.stdin.write(json.dumps(message).encode() + b"\n")

    def start(self, method, params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id, future

    async def request(self, method, params):
        return await self.start(method, params)[1]

    async def call(self, tool, arguments):
        began = time.perf_counter()
        reply = await self.request("tools/call", {"name": tool, "arguments": arguments})
        if "result" not in reply or reply["result"].get("isError"):
            raise RuntimeError(f"{tool} {arguments}: {reply}")
        return (time.perf_counter() - began) * 1000

    def cancel(self, request_id):
        self.waiting.pop(request_id, None)
        self._send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": request_id}})

    async def close(self):
        self.gateway.stdin.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.gateway.wait(), 30)
        self.reader.cancel()


class Distinct:
    """Queries no other call asked: `base` with a limit of its own."""

    def __init__(self, base):
        self.base, self.count = base, 0

    def __call__(self):
        self.count += 1
        return dict(self.base, limit=1 + self.count % 9999)


async def load(tenant, clients, seconds, queries, warmup=2.0):
    """Queries/s and latencies (ms) of `clients` calls kept in flight."""
    began = time.perf_counter() + warmup
    ended = began + seconds
    latencies = []

    async def client(session):
        while time.perf_counter() < ended:
            took = await tenant.call("query", queries(), session)
            if began <= time.perf_counter() <= ended:
                latencies.append(took)
    # Calls in flight spread over the sessions (each takes 16 at most); the
    # cancelled caller, when there is one, has the first to itself.
    sessions = len(tenant.sessions)
    await asyncio.gather(*[client(sessions - 1 - i % (sessions - 1)) for i in range(clients)])
    return len(latencies) / seconds, latencies


@contextlib.contextmanager
def postgres_shop(work):
    """A PostgreSQL server with the shop example built in it; yields the
    environment its profile reads, and a function that runs SQL as its owner."""
    directory = tempfile.mkdtemp(prefix="mfgate-bench-pg-")
    port = free_port()
    script = REPO / "tools" / "postgres.sh"
    subprocess.run([str(script), "start", directory, str(port)], check=True)
    try:
        def psql(sql, user="postgres", database="postgres"):
            subprocess.run(["psql", "-h", directory, "-p", str(port), "-U", user, "-d", database,
                            "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                           stdout=subprocess.DEVNULL)
        psql(f"CREATE ROLE shop LOGIN PASSWORD '{PG_PASSWORD}'")
        psql("CREATE DATABASE shop OWNER shop")
        env = {"SHOP_PG_HOST": "127.0.0.1", "SHOP_PG_PORT": str(port), "SHOP_PG_USER": "shop",
               "SHOP_PG_PASSWORD": PG_PASSWORD, "SHOP_PG_DATABASE": "shop"}
        project = work / "shop-pg"
        shutil.copytree(REPO / "examples" / "shop", project)
        subprocess.run([str(REPO / ".venv" / "bin" / "dbt"), "build", "--target", "postgres",
                        "--project-dir", str(project), "--profiles-dir", str(project)],
                       check=True, env=dict(os.environ, **env, DO_NOT_TRACK="1"), cwd=project,
                       stdout=subprocess.DEVNULL)
        # A view of the customers that first sleeps analytics.naps' seconds.
        psql("ALTER VIEW analytics.customers RENAME TO customers_base; "
             "CREATE TABLE analytics.naps (seconds float8 NOT NULL); "
             "INSERT INTO analytics.naps VALUES (0); "
             "CREATE VIEW analytics.customers AS SELECT * FROM analytics.customers_base "
             "WHERE (SELECT count(*) FROM (SELECT pg_sleep(seconds) FROM analytics.naps) n) > 0",
             user="shop", database="shop")
        yield project, env, lambda sql: psql(sql, database="shop")
    finally:
        subprocess.run([str(script), "stop", directory])
        shutil.rmtree(directory, ignore_errors=True)


async def started(work, name, project, flags, env, engines):
    tenant = Tenant(work, name, project, flags, env)
    try:
        await tenant.wait_engines(engines)
        await tenant.open(3)
    except BaseException:
        await tenant.close()
        raise
    return tenant


async def throughput_grid(work, warehouse, project, flags, env, queries, seconds):
    """{(engines, clients): queries/s}."""
    grid = {}
    for engines in (1, 2, 4):
        tenant = await started(work, f"{warehouse}-{engines}".replace(" ", "-"), project,
                               [*flags, "--engines", str(engines)], env, engines)
        try:
            for clients in (1, 4, 16):
                grid[(engines, clients)], _ = await load(tenant, clients, seconds, queries)
                print(f"(f) {warehouse}: {engines} engines, {clients} clients: "
                      f"{grid[(engines, clients)]:.1f} queries/s", flush=True)
        finally:
            await tenant.close()
    return grid


async def cancellation(work, project, env, nap, seconds):
    """p50/p99 (ms) of two clients' fast queries while a third caller runs a
    slow query every second: (finishing on its own, cancelled)."""
    tenant = await started(work, "pg-cancel", project,
                           ["--target", "postgres", "--engines", "4"], env, 4)
    fast = Distinct({"metrics": ["revenue"], "group_by": ["metric_time__day"]})
    slow = Distinct({"metrics": ["revenue"], "group_by": ["customer__segment"]})
    results = {}
    try:
        for mode, sleep_seconds in (("finishing", 1), ("cancelled", 600)):
            nap(f"UPDATE analytics.naps SET seconds = {sleep_seconds}")
            stop = [False]

            async def victim():
                while not stop[0]:
                    request_id, future = tenant.start(
                        "tools/call", {"name": "query", "arguments": slow()})
                    if mode == "cancelled":
                        await asyncio.sleep(1.0)
                        tenant.cancel(request_id)
                    else:
                        await future
            task = asyncio.create_task(victim())
            _, latencies = await load(tenant, 2, seconds, fast)
            stop[0] = True
            await task
            results[mode] = (statistics.median(latencies), percentile(latencies, 0.99))
        nap("UPDATE analytics.naps SET seconds = 0")
    finally:
        await tenant.close()
    return results


async def memory(work, project):
    """Worker and engines' RSS (MB) with engines running, the worker's once
    they stopped while idle, and the first query's ms after idle."""
    tenant = await started(work, "memory", project,
                           ["--engines", "2", "--engine-idle-seconds", "5"], os.environ, 2)
    try:
        query = Distinct({"metrics": ["transactions"], "group_by": ["metric_time__day"]})
        await tenant.call("query", query())
        running = (rss_mb([tenant.worker.pid]), rss_mb(tenant.engines()))
        while tenant.engines():
            await asyncio.sleep(0.5)
        idle = rss_mb([tenant.worker.pid])
        metadata_ms = await tenant.call("list_metrics", {})
        metadata_engines = len(tenant.engines())
        first_ms = await tenant.call("query", query())
    finally:
        await tenant.close()
    return running, idle, first_ms, metadata_ms, metadata_engines


async def many_tenants(work, demo, count=20):
    """Total and per-worker RSS (MB) of `count` tenants once their engines
    stopped while idle."""
    tenants = [Tenant(work, f"many-{i}", copy_project(demo, work / f"many-project-{i}"),
                      ["--engines", "1", "--engine-idle-seconds", "1"], os.environ)
               for i in range(count)]
    try:
        await asyncio.gather(*[t.wait_engines(1, running=False) for t in tenants])
        while any(t.engines() for t in tenants):
            await asyncio.sleep(0.5)
        per = [rss_mb([t.worker.pid]) for t in tenants]
    finally:
        for tenant in tenants:
            await tenant.close()
    return sum(per), max(per)


async def pool_bench(work, demo, seconds):
    """The report's lines and its target lines."""
    work.mkdir(parents=True, exist_ok=True)
    duck = copy_project(demo, work / "duck")
    duck_query = Distinct({"metrics": ["transactions"], "group_by": ["metric_time__day"]})
    pg_query = Distinct({"metrics": ["revenue"], "group_by": ["customer__segment"]})
    grids = {"DuckDB": await throughput_grid(work, "duck", duck, [], os.environ, duck_query,
                                             seconds)}
    with postgres_shop(work) as (shop, pg_env, nap):
        env = dict(os.environ, **pg_env)
        grids["PostgreSQL"] = await throughput_grid(work, "pg", shop, ["--target", "postgres"],
                                                    env, pg_query, seconds)
        nap(f"UPDATE analytics.naps SET seconds = {WAREHOUSE_SECONDS}")
        waiting = f"PostgreSQL, {WAREHOUSE_SECONDS * 1000:.0f} ms at the warehouse"
        grids[waiting] = await throughput_grid(work, "pg wait", shop, ["--target", "postgres"],
                                               env, pg_query, seconds)
        nap("UPDATE analytics.naps SET seconds = 0")
        cancel = await cancellation(work, shop, env, nap, seconds)
    running, idle, first_ms, metadata_ms, metadata_engines = await memory(work, duck)
    many_total, many_max = await many_tenants(work, demo)

    lines = ["", HEADING, "",
             f"One tenant, {seconds:g} s per cell, distinct queries (none cached): queries/s "
             "for N concurrent clients (calls in flight) and pool sizes (--engines), on "
             f"{os.cpu_count()} cores. DuckDB and PostgreSQL: queries that take the warehouse "
             "little time, so each engine's own CPU work (MetricFlow compiling the query) bounds "
             "them; the last rows: the same PostgreSQL queries each waiting "
             f"{WAREHOUSE_SECONDS * 1000:.0f} ms at the warehouse, as on a warehouse of its "
             "own, where engines' queries overlap.", "",
             "| warehouse | engines | 1 client | 4 clients | 16 clients |", "|---|---|---|---|---|"]
    for warehouse, grid in grids.items():
        for engines in (1, 2, 4):
            lines.append(f"| {warehouse} | {engines} | " + " | ".join(
                f"{grid[(engines, c)]:.1f}" for c in (1, 4, 16)) + " |")
    ratios = {w: g[(4, 16)] / g[(1, 16)] for w, g in grids.items()}
    lines += ["", "16 clients, 4 engines against 1: " +
              ", ".join(f"{w} {r:.2f}x" for w, r in ratios.items()) + "."]
    (f50, f99), (c50, c99) = cancel["finishing"], cancel["cancelled"]
    lines += ["", "PostgreSQL, 4 engines: two clients' queries while a third caller's query "
              "(sleeping at the warehouse) runs every second and either finishes after 1 s or "
              f"is cancelled after 1 s: p50 {f50:.1f} / p99 {f99:.1f} ms finishing, "
              f"p50 {c50:.1f} / p99 {c99:.1f} ms cancelled ({c99 - f99:+.1f} ms p99).",
              "", f"Memory (DuckDB, 2 engines): worker {running[0]:.1f} MB and engines "
              f"{running[1]:.1f} MB running; worker {idle:.1f} MB with the engines stopped "
              f"while idle (none running). list_metrics then: {metadata_ms:.1f} ms with "
              f"{metadata_engines} engines running; the first query after idle: "
              f"{first_ms:.0f} ms (an engine starts).",
              f"20 idle tenants (workers with engines stopped): {many_total:.0f} MB in all, "
              f"{many_max:.1f} MB the largest worker."]
    pg_ratio = ratios[waiting]
    targets = [
        f"- 16 clients on 4 engines ≥ {QPS_RATIO_TARGET:g}x the queries/s of 1 engine on "
        f"PostgreSQL: **{'met' if pg_ratio >= QPS_RATIO_TARGET else 'missed'}** "
        f"({pg_ratio:.2f}x with {WAREHOUSE_SECONDS * 1000:.0f} ms at the warehouse; queries "
        f"bound by the engines' CPU: PostgreSQL {ratios['PostgreSQL']:.2f}x, DuckDB "
        f"{ratios['DuckDB']:.2f}x on {os.cpu_count()} cores).",
        f"- a cancellation adds ≤ {CANCEL_P99_TARGET_MS} ms to other callers' p99: "
        f"**{'met' if c99 - f99 <= CANCEL_P99_TARGET_MS else 'missed'}** "
        f"({c99 - f99:+.1f} ms).",
        f"- an idle tenant's worker ≤ {IDLE_WORKER_TARGET_MB} MB RSS: "
        f"**{'met' if idle <= IDLE_WORKER_TARGET_MB else 'missed'}** ({idle:.1f} MB).",
        f"- metadata answered with no engine running: "
        f"**{'met' if metadata_engines == 0 else 'missed'}**."]
    return lines, targets
