"""The engine's warehouse-side layers, each on its own: the statement check,
and DuckDB opened read-only with external access off and its configuration
locked — with the real engine adapter on a copy of the demo project, the
worker's grammar and the guard bypassed (testdata/sql_probe.py).

Needs MFGATE_DEMO_PROJECT and MFGATE_PROTO_PATH (`make test` sets both).
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

HOST_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HOST_DIR))
import warehouse_guard  # noqa: E402

ACCEPTED = [
    "SELECT 1",
    "select 1;",
    "SELECT 1 ;  \n",
    "-- MetricFlow's description\nSELECT a FROM t",
    "/* a */ WITH x AS (SELECT 1) SELECT * FROM x",
    "(SELECT 1)",
    "SELECT 'a;b', \"c;d\", `e;f` FROM t",
    "SELECT 'it''s; fine'",
    "SELECT regexp_replace(x, '\\d+', '') FROM t",
    "SELECT /* ; */ 1",
    "SELECT 1 -- ; not a second statement\n",
    "SELECT $1",
]

REFUSED = {
    "SELECT 1; DROP TABLE t": "more than one statement",
    "SELECT 1;DROP TABLE t;": "more than one statement",
    "SELECT 1; -- trailing": "more than one statement",
    "SELECT 'a\\'; DROP TABLE t; --'": "backslash escape",
    "SELECT 'a' || E'\\'; COPY t TO ''x''; --'": "backslash escape",
    "SELECT /* /* */ ; SELECT 2 */ 1": "more than one statement",
    "SELECT \"a\\\"; DROP TABLE t; --\"": "backslash escape",
    "COPY t TO '/tmp/x.csv'": "not a query",
    "INSTALL httpfs": "not a query",
    "ATTACH '/tmp/x.db' AS x": "not a query",
    "PRAGMA database_list": "not a query",
    "SET enable_external_access = true": "not a query",
    "CREATE TABLE x AS SELECT 1": "not a query",
    "INSERT INTO t VALUES (1)": "not a query",
    "EXPLAIN SELECT 1": "not a query",
    "": "not a query",
    "-- only a comment": "not a query",
    "SELECT $$;$$": "dollar-quoted text",
    "SELECT $tag$ ; $tag$": "dollar-quoted text",
    "SELECT 'unterminated": "unterminated",
    "SELECT 1 /* unterminated": "unterminated comment",
    # What dialects read differently (each let a second statement through an
    # earlier version of the check): E'' reads escapes and '' does not; any
    # non-ASCII character may start a dollar-quote tag; a carriage return
    # ends a comment; # and // are comments in some dialects.
    "SELECT x FROM t WHERE c = E'\\'' || '\\' ; SELECT secret FROM s --'":
        "backslash escape",
    "SELECT 'a\\\\' ; SELECT 2 --'": "backslash escape",
    "SELECT x FROM t WHERE c = $€$'$€$; SELECT secret FROM s --'": "dollar-quoted",
    "SELECT $¬$ ; $¬$": "dollar-quoted",
    "SELECT 1 --\r; SELECT secret FROM s": "more than one statement",
    "SELECT 1 # '\n; DROP TABLE t; --'": "'#'",
    "SELECT 1 // '\n; DROP TABLE t; --'": "'//'",
}

# The warehouses' own parsers, alone: each also refuses what the red team
# sent, and what reads yet writes.
PARSER_REFUSALS = [
    ("duckdb", "SELECT x FROM t WHERE c = E'\\'' || '\\' ; SELECT 2 --'", "more than one"),
    ("duckdb", "SELECT $€$'$€$; SELECT 2 --'", "more than one"),
    ("duckdb", "SELECT 1 --\r; SELECT 2", "more than one"),
    ("duckdb", "COPY t TO 'x.csv'", "not a query"),
    ("duckdb", "SELEC 1", "cannot parse"),
    ("postgres", "SELECT x FROM t WHERE c = E'\\'' || '\\' ; SELECT 2 --'", "more than one"),
    ("postgres", "SELECT $€$'$€$; COMMIT; CREATE TABLE p AS SELECT 1 --'", "more than one"),
    ("postgres", "SELECT 1 --\r; SELECT 2", "more than one"),
    ("postgres", "WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d", "DeleteStmt"),
    ("postgres", "WITH d AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1", "InsertStmt"),
    ("postgres", "SELECT 1 INTO newt", "intoClause"),
    ("postgres", "SELECT * FROM t FOR UPDATE", "lockingClause"),
    ("postgres", "COPY t TO '/tmp/x'", "not a query"),
    ("postgres", "SELEC 1", "cannot parse"),
]


@pytest.mark.parametrize("sql", ACCEPTED)
def test_one_statement_that_reads_is_sent(sql):
    warehouse_guard.check_statement(sql)


@pytest.mark.parametrize("sql,why", sorted(REFUSED.items()))
def test_anything_else_is_refused_before_it_is_sent(sql, why):
    with pytest.raises(warehouse_guard.RefusedSql, match=why):
        warehouse_guard.check_statement(sql)


@pytest.mark.parametrize("warehouse,sql,why", PARSER_REFUSALS)
def test_the_warehouse_parser_alone_refuses(warehouse, sql, why):
    with pytest.raises(warehouse_guard.RefusedSql, match=why):
        warehouse_guard._WAREHOUSE_PARSERS[warehouse](sql)


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"])
def test_metricflow_sql_passes_both_checks(warehouse):
    warehouse_guard.check_statement(
        "-- Compute Metrics\nSELECT subq.m, SUM(subq.x) AS x\nFROM (\n  SELECT "
        "DATE_TRUNC('day', t.ds) AS m, 1 AS x FROM \"db\".\"main\".\"t\" t\n"
        "  WHERE c IN ('it''s', 'MX')\n) subq\nGROUP BY subq.m\nORDER BY x DESC\nLIMIT 7",
        warehouse)


def test_the_guarded_client_never_executes():
    client = warehouse_guard.GuardedSqlClient(client=None, adapter=None,
                                              adapter_type="duckdb")
    with pytest.raises(warehouse_guard.RefusedSql, match="only reads"):
        client.execute("SELECT 1")


def probe(project, scratch, statements, target="", env=None):
    """Results of `statements` run by the real engine adapter (sql_probe.py)."""
    job = {"profiles_yml": (project / "profiles.yml").read_text(), "env": env or {},
           "statements": statements}
    result = subprocess.run(
        [sys.executable, "-B", str(HOST_DIR / "testdata" / "sql_probe.py"),
         "--project-dir", str(project), "--scratch-dir", str(scratch),
         "--proto-path", os.environ["MFGATE_PROTO_PATH"], "--target", target],
        input=json.dumps(job), capture_output=True, text=True, timeout=300, cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    """A copy of the demo project, with a canary file beside its profile."""
    source = pathlib.Path(os.environ["MFGATE_DEMO_PROJECT"])
    project = tmp_path_factory.mktemp("guard") / "project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = project / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(source), str(project)))
    (project / "canary.csv").write_text("secret\ncanary-5e1f\n")
    return project


def test_duckdb_is_read_only_and_reaches_no_file(demo_copy, tmp_path):
    unguarded = [
        "SELECT count(*) FROM transactions",
        "CREATE TABLE stolen AS SELECT 1",
        "SELECT * FROM read_text('profiles.yml')",
        "SELECT * FROM read_csv('canary.csv')",
        "SELECT * FROM 'canary.csv'",
        "COPY (SELECT 1) TO 'copied.csv'",
        "ATTACH 'attached.duckdb' AS attached",
        "INSTALL httpfs",
        "LOAD 'evil.duckdb_extension'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SELECT count(*) FROM transactions",
    ]
    results = probe(demo_copy, tmp_path,
                    [{"sql": sql, "via": "unguarded"} for sql in unguarded])
    assert results[0] == {"ok": True, "rows": [["50"]]}
    assert results[-1] == results[0]  # Nothing above changed the connection.
    for sql, result in zip(unguarded[1:-1], results[1:-1]):
        assert not result["ok"], (sql, result)
        assert "canary-5e1f" not in result["error"] and "type: duckdb" not in result["error"]
    assert "read-only" in results[1]["error"] or "READ_ONLY" in results[1]["error"]
    for result in results[2:8]:
        assert ("file system operations are disabled" in result["error"]
                or "disabled through configuration" in result["error"]
                or "Catalog Error" in result["error"]), result
    for result in results[9:11]:
        assert "configuration has been locked" in result["error"], result
    assert not (demo_copy / "copied.csv").exists()
    assert not (demo_copy / "attached.duckdb").exists()


def test_the_guard_refuses_what_the_warehouse_would_run(demo_copy, tmp_path):
    canary = "SELECT secret FROM read_csv('canary.csv')"
    statements = [
        "SELECT count(*) FROM transactions",
        f"SELECT 1; {canary}",
        "COPY (SELECT 1) TO 'copied.csv'",
        f"SELECT 1 FROM transactions WHERE id_order = E'\\'' || '\\' ; {canary} --'",
        f"SELECT 1 FROM transactions WHERE id_order = $€$'$€$; {canary} --'",
        f"SELECT 1 --\r; {canary}",
    ]
    results = probe(demo_copy, tmp_path, [{"sql": sql, "via": "guarded"} for sql in statements])
    assert results[0] == {"ok": True, "rows": [["50"]]}
    assert results[1]["error"] == "RefusedSql: more than one statement"
    assert results[2]["error"].startswith("RefusedSql: not a query")
    for result in results[3:]:
        assert result["error"].startswith("RefusedSql:"), result
    # Without the guard DuckDB runs those second statements: what it stops.
    unguarded = probe(demo_copy, tmp_path, [{"sql": "SELECT 1 --\r; SELECT 42",
                                              "via": "unguarded"}])
    assert unguarded == [{"ok": True, "rows": [["42"]]}]


def test_duckdb_has_no_spill_directory_to_read_or_write(demo_copy, tmp_path):
    results = probe(demo_copy, tmp_path, [
        {"sql": "SELECT current_setting('temp_directory'), "
                "current_setting('allowed_directories')", "via": "unguarded"}])
    assert results == [{"ok": True, "rows": [["", "[]"]]}]
