"""The worker's pool of engines on real warehouses, behind the real gateway.

On PostgreSQL (a server the test starts, the shop example built there):
concurrent queries run on the warehouse at the same time, seen in
pg_stat_activity; a cancelled query stops at the warehouse (its backend
leaves pg_stat_activity) while the engine and every other caller serve on;
while the warehouse refuses connections, calls fail at once with the cause
and metadata is still answered, and service comes back by itself. On DuckDB
(the demo project, read-only engines): two queries run in two engine
processes at once (both burn CPU in the same second); a killed engine is
replaced while the other serves; idle engines stop, metadata is answered
with none running, and the next query starts one.

Slowness is made at the warehouse: a view of the customers table that sleeps
(PostgreSQL) or counts generated numbers (DuckDB) before its rows.
"""

import os
import signal
import statistics
import sys
import threading
import time

import psycopg2
import pytest

from harness import REPO, demo_project
from pool_harness import Tenant, rss_mb, text_of
from worker_harness import copy_project

sys.path.insert(0, str(REPO / "worker" / "engine" / "host" / "testdata"))
from slow_view import make_slow  # noqa: E402

IDLE_WORKER_RSS_MB = 30


# --- PostgreSQL ------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse(postgres, shop_on_postgres):
    """An open connection to the shop database (as its owner), whose customers
    view first sleeps for analytics.naps' seconds."""
    connection = psycopg2.connect(
        host=postgres["SHOP_PG_HOST"], port=postgres["SHOP_PG_PORT"],
        user=postgres["SHOP_PG_USER"], password=postgres["SHOP_PG_PASSWORD"],
        dbname=postgres["SHOP_PG_DATABASE"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_schema = 'analytics' AND table_name = 'customers'")
        kind = "VIEW" if cursor.fetchone()[0] == "VIEW" else "TABLE"
        cursor.execute(f"ALTER {kind} analytics.customers RENAME TO customers_base")
        cursor.execute("CREATE TABLE analytics.naps (seconds float8 NOT NULL)")
        cursor.execute("INSERT INTO analytics.naps VALUES (0)")
        cursor.execute(
            "CREATE VIEW analytics.customers AS SELECT * FROM analytics.customers_base "
            "WHERE (SELECT count(*) FROM (SELECT pg_sleep(seconds) FROM analytics.naps) n) > 0")
    yield connection
    connection.close()


def nap(connection, seconds):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE analytics.naps SET seconds = %s", (seconds,))


def sleeping(connection):
    """Statements of the shop role sleeping in the customers view now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = 'shop' "
                       "AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def pg_tenant(tmp_path, postgres, shop_on_postgres, warehouse):
    tenants = []

    def start(*flags):
        directory = tmp_path / f"t{len(tenants)}"
        directory.mkdir()
        tenant = Tenant(directory, shop_on_postgres,
                        ["--target", "postgres", *flags], env=dict(os.environ, **postgres))
        tenants.append(tenant)
        return tenant
    yield start
    for tenant in tenants:
        tenant.close()


# Four distinct queries that read the customers view.
SLOW_QUERIES = [{"metrics": [metric], "group_by": [group_by]}
                for metric in ("revenue", "orders")
                for group_by in ("customer__segment", "customer__city")]
# Queries of the orders alone, distinct by their limit.
def fast_query(n):
    return {"metrics": ["revenue"], "group_by": ["metric_time__day"], "limit": 100 + n}


def test_concurrent_queries_run_at_once_on_postgres(pg_tenant, warehouse):
    tenant = pg_tenant("--engines", "4")
    tenant.wait_engines(4)
    nap(warehouse, 2)
    most, done = 0, threading.Event()

    def watch():
        nonlocal most
        while not done.is_set():
            most = max(most, sleeping(warehouse))
            time.sleep(0.05)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        ids = [tenant.send("query", query) for query in SLOW_QUERIES]
        results = [tenant.answer(i) for i in ids]
    finally:
        done.set()
        watcher.join()
        nap(warehouse, 0)
    for answered in results:
        assert answered is not None and not answered[0]["isError"], answered
    # All four statements were in the warehouse at the same time (one engine
    # would have shown one at a time).
    assert most == 4, f"at most {most} statements at once:\n{tenant.log}"


def test_a_cancelled_postgres_query_stops_there_and_delays_no_one(pg_tenant, warehouse):
    tenant = pg_tenant("--engines", "2")
    tenant.wait_engines(2)
    engines = tenant.engines()
    nap(warehouse, 120)
    try:
        victim = tenant.send("query", SLOW_QUERIES[0])
        deadline = time.monotonic() + 60
        while sleeping(warehouse) != 1:
            assert time.monotonic() < deadline, tenant.log
            time.sleep(0.05)
        before = [tenant.call("query", fast_query(i))[1] for i in range(5)]
        tenant.cancel(victim)
        cancelled = time.monotonic()
        during = []
        while time.monotonic() - cancelled < 3:
            result, took = tenant.call("query", fast_query(10 + len(during)))
            assert not result["isError"], text_of(result)
            during.append(took)
        stopped = time.monotonic() + 5
        while sleeping(warehouse) != 0:  # pg_cancel_backend, not a lost engine.
            assert time.monotonic() < stopped, "the statement still runs"
            time.sleep(0.05)
    finally:
        nap(warehouse, 0)
    assert tenant.engines() == engines, f"an engine was replaced:\n{tenant.log}"
    assert "killed" not in tenant.log, tenant.log
    # Others were served throughout, as fast as before (an engine restart
    # took 3-8 s).
    assert max(during) < max(1.0, 3 * max(before)), (before, during)


def test_while_postgres_refuses_calls_fail_at_once_and_metadata_is_served(
        pg_tenant, warehouse, postgres):
    tenant = pg_tenant("--engines", "1", "--engine-idle-seconds", "1")
    tenant.wait_engines(1)
    assert not tenant.call("list_metrics", {})[0]["isError"]
    assert not tenant.call("query", fast_query(0))[0]["isError"]
    deadline = time.monotonic() + 60
    while tenant.engines():  # Stopped while idle.
        assert time.monotonic() < deadline, tenant.log
        time.sleep(0.1)
    with warehouse.cursor() as cursor:
        cursor.execute("ALTER DATABASE shop CONNECTION LIMIT 0")
    try:
        first, _ = tenant.call("query", fast_query(1))  # Tries a start.
        assert first["isError"]
        for i in range(3):
            result, took = tenant.call("query", fast_query(2 + i))
            assert result["isError"]
            assert "too many connections" in text_of(result), text_of(result)
            assert postgres["SHOP_PG_PASSWORD"] not in text_of(result)
            assert took < 1.0, (took, text_of(result))
        # Metadata is known without the warehouse.
        metrics, took = tenant.call("list_metrics", {"search": "rev"})
        assert not metrics["isError"], text_of(metrics)
        assert {m["name"] for m in metrics["structuredContent"]["metrics"]} >= {"revenue"}
        assert took < 1.0
    finally:
        with warehouse.cursor() as cursor:
            cursor.execute("ALTER DATABASE shop CONNECTION LIMIT -1")
    # The start is retried with backoff; service comes back by itself.
    deadline = time.monotonic() + 120
    while tenant.call("query", fast_query(9))[0]["isError"]:
        assert time.monotonic() < deadline, tenant.log
        time.sleep(0.5)


# --- DuckDB ----------------------------------------------------------------

@pytest.fixture
def duckdb_project(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    make_slow(next(project.glob("*.duckdb")), "customers", rows=10**12)
    return project


def cpu_seconds(pid, log):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        raise AssertionError(f"engine {pid} is gone:\n{log}")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_two_duckdb_engines_run_queries_at_once(tmp_path, duckdb_project):
    tenant = Tenant(tmp_path, duckdb_project, ["--engines", "2"])
    try:
        tenant.wait_engines(2)
        engines = sorted(tenant.engines())
        slow = [{"metrics": ["transactions"], "group_by": ["customer__customer_country"],
                 "limit": limit} for limit in (10, 11)]
        ids = [tenant.send("query", query) for query in slow]
        # Both engine processes compute in the same half second (one engine
        # would run one statement, then the other).
        deadline, used = time.monotonic() + 60, {}
        while not (used and all(seconds > 0.1 for seconds in used.values())):
            assert time.monotonic() < deadline, used
            before = {pid: cpu_seconds(pid, tenant.log) for pid in engines}
            time.sleep(0.5)
            used = {pid: cpu_seconds(pid, tenant.log) - before[pid] for pid in engines}
        for request_id in ids:
            tenant.cancel(request_id)
    finally:
        tenant.close()


def test_a_killed_duckdb_engine_is_replaced_while_the_other_serves(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    tenant = Tenant(tmp_path, project, ["--engines", "2"])
    try:
        tenant.wait_engines(2)
        engines = tenant.engines()
        victim = min(engines)
        os.kill(victim, signal.SIGKILL)
        took = []
        for i in range(10):
            result, seconds = tenant.call(
                "query", {"metrics": ["transactions"], "group_by": ["metric_time__day"],
                          "limit": 10 + i})
            assert not result["isError"], text_of(result)
            took.append(seconds)
        # None waited out the restart (seconds).
        assert max(took) < 2.0, took
        tenant.wait_engines(2, ready=3)
        assert victim not in tenant.engines()
    finally:
        tenant.close()


def test_idle_duckdb_engines_stop_metadata_needs_none_and_a_query_starts_one(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    tenant = Tenant(tmp_path, project, ["--engines", "2", "--engine-idle-seconds", "2"])
    try:
        tenant.wait_engines(2)
        assert not tenant.call("list_metrics", {})[0]["isError"]
        deadline = time.monotonic() + 60
        while tenant.engines():
            assert time.monotonic() < deadline, tenant.log
            time.sleep(0.1)
        idle_rss = rss_mb(tenant.worker.process.pid)
        assert idle_rss <= IDLE_WORKER_RSS_MB, idle_rss
        for tool, arguments in [("list_metrics", {"search": "trans"}),
                                ("list_dimensions", {"metrics": ["transactions"]}),
                                ("list_entities", {}), ("list_saved_queries", {})]:
            result, _ = tenant.call(tool, arguments)
            assert not result["isError"], (tool, text_of(result))
        assert tenant.engines() == set(), "metadata started an engine"
        result, first = tenant.call(
            "query", {"metrics": ["transactions"], "group_by": ["metric_time__day"]})
        assert not result["isError"], text_of(result)
        assert tenant.engines(), tenant.log
        print(f"idle worker {idle_rss:.1f} MB; first query after idle {first:.2f} s")
    finally:
        tenant.close()
