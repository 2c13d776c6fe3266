"""Governed queries, tried as an attacker would through the whole stack (the
official MCP client, the gateway, the worker, the real engine on real DuckDB
and PostgreSQL): every filter of the injection corpus is refused by the
worker's grammar before the engine runs anything, nothing secret appears in
any reply, and the corpus of real filters returns the rows `mf query` returns
for the caller's own text."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import duckdb
import pytest

from conftest import PG_PASSWORD
from harness import REPO, McpSession, demo_project, gateway_env

CORPORA = REPO / "worker" / "validate"
CANARY = "canary-7f3e91"
# A refusal of the worker's grammar: the field, and where in the filter.
FROM_THE_VALIDATOR = re.compile(
    r"^where: .*(position \d+|longer than \d+ characters|nesting deeper)", re.S)


def attacks():
    """The injection corpus, decoded as the unit test decodes it, and the
    attacks aimed at this test's canaries."""
    found = []
    for line in (CORPORA / "where_injection_corpus.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line == "<LONG>":
            line = "{{ Dimension('a__b') }} = '" + "x" * 10000 + "'"
        raw = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)),
                     line).encode("latin-1")
        try:
            found.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # JSON cannot carry it; the unit tests send these bytes.
    dimension = "{{ Dimension('customer__customer_country') }}"
    found += [
        f"{dimension} IN (SELECT secret FROM secret_canary)",
        f"{dimension} = '{{{{ \"%c\"|format(39) }}}} OR 1 IN (SELECT 1 FROM secret_canary) OR '",
        f"{dimension} = '{{{{ \"%c\"|format(39) }}}} OR 1 IN (SELECT 1 FROM "
        "read_text('profiles.yml')) OR '",
        f"{dimension} = '{{{{ \"%c\"|format(39) }}}} OR 1 IN (SELECT 1 FROM "
        "read_csv('canary.csv')) OR '",
        f"{dimension} = '{{{{ \"%c\"|format(59) }}}} COPY secret_canary TO 'leak.csv' --'",
    ]
    return found


def real_filters():
    """(metrics, group_by, saved_query, where) of each real filter."""
    found = []
    for line in (CORPORA / "where_legitimate_corpus.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        names, group_by, where = line.split(" | ")
        saved = names[1:] if names.startswith("@") else ""
        metrics = [] if saved else names.split(",")
        found.append((metrics, [g for g in group_by.split(",") if g.strip()], saved, where))
    return found


def secrets_in(result):
    text = json.dumps(result.model_dump())
    return [secret for secret in (CANARY, PG_PASSWORD, "type: duckdb", "type: postgres",
                                  "outputs:")
            if secret in text]


@pytest.fixture(scope="module")
def guarded_demo(tmp_path_factory):
    """A copy of the demo project with canaries: a file beside its profile, a
    table outside the semantic layer, and the profile itself."""
    source = demo_project()
    project = tmp_path_factory.mktemp("governed") / "project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = project / "profiles.yml"
    profiles.write_text(f"# {CANARY}\n" +
                        profiles.read_text().replace(str(source), str(project)))
    (project / "canary.csv").write_text(f"secret\n{CANARY}\n")
    with duckdb.connect(str(project / "mf_tutorial.duckdb")) as db:
        db.execute("CREATE TABLE secret_canary AS SELECT ? AS secret", [CANARY])
    return project


@pytest.fixture(scope="module")
def demo(guarded_demo):
    session = McpSession(gateway_env(guarded_demo))
    yield session
    session.close()


def expect_refused_by_the_validator(session, tool, where):
    result = session.call(tool, {"metrics": ["transactions"], "where": where})
    text = result.content[0].text
    assert result.isError, f"accepted: {where!r} -> {text[:300]}"
    assert FROM_THE_VALIDATOR.match(text), f"{where!r} -> {text[:500]}"
    assert not secrets_in(result), where
    return text


def test_every_attack_is_refused_by_the_worker_before_the_engine(demo, guarded_demo):
    for where in attacks():
        expect_refused_by_the_validator(demo, "query", where)
    for where in attacks()[:40]:
        expect_refused_by_the_validator(demo, "compile_sql", where)
    assert not (guarded_demo / "leak.csv").exists()
    # The tenant is served as before.
    result = demo.call("query", {"metrics": ["transactions"], "limit": 1})
    assert not result.isError, result.content[0].text


def normalize(value):
    """A cell as comparable text: numbers rounded, dates without time."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        text = str(value)
        if len(text) >= 19 and text[4] == "-" and text[10] in "T ":
            return text[:10] if text[11:19] == "00:00:00" else text[:19].replace("T", " ")
        return text.lower() if text in ("True", "False") else text


def mf_query_rows(project, jobs, tmp_path):
    """What the real `mf query` returns for each job, on a copy of `project`
    (the gateway's engine holds the original open)."""
    copy = tmp_path / "mf-project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = copy / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(project), str(copy)))
    env = dict(os.environ, DBT_PROJECT_DIR=str(copy), DBT_PROFILES_DIR=str(copy),
               DO_NOT_TRACK="1")
    run = subprocess.run([sys.executable, str(pathlib.Path(__file__).parent / "mf_cli_batch.py")],
                         input=json.dumps(jobs), capture_output=True, text=True,
                         env=env, cwd=copy, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_real_filters_return_what_mf_query_returns(demo, guarded_demo, tmp_path):
    filters = real_filters()
    assert len(filters) >= 50
    jobs = []
    for metrics, group_by, saved, where in filters:
        args = ["--saved-query", saved] if saved else ["--metrics", ",".join(metrics)]
        if group_by:
            args += ["--group-by", ",".join(group_by)]
        jobs.append(args + ["--where", where, "--limit", "1000"])
    expected = mf_query_rows(guarded_demo, jobs, tmp_path)
    for (metrics, group_by, saved, where), mf in zip(filters, expected):
        arguments = {"where": where, "limit": 1000}
        if saved:
            arguments["saved_query"] = saved
        else:
            arguments.update(metrics=metrics, group_by=group_by)
        assert mf["ok"], f"mf query failed on {where!r}: {mf['error']}"
        rows, cursor = [], None
        while True:  # Every page of a result longer than the budget.
            result = demo.call("query", dict(arguments, cursor=cursor) if cursor
                               else arguments)
            assert not result.isError, f"{where!r} -> {result.content[0].text}"
            assert not secrets_in(result)
            rows += result.structuredContent["rows"]
            cursor = result.structuredContent.get("next_cursor")
            if not cursor:
                break
        got = sorted([normalize(cell) for cell in row] for row in rows)
        want = sorted([normalize(cell) for cell in row] for row in mf["rows"])
        assert got == want, where


@pytest.fixture(scope="module")
def shop_pg_session(postgres, shop_on_postgres):
    """The shop project on a real PostgreSQL server, over stdio, with a table
    outside its semantic layer."""
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", postgres["SHOP_PG_PORT"], "-U", "shop",
                    "-d", "shop", "-v", "ON_ERROR_STOP=1", "-q", "-c",
                    f"CREATE TABLE IF NOT EXISTS secret_canary AS SELECT '{CANARY}' AS secret"],
                   check=True, env=dict(os.environ, PGPASSWORD=PG_PASSWORD))
    session = McpSession(gateway_env(shop_on_postgres, MFGATE_TARGET="postgres", **postgres))
    yield session
    session.close()


def test_every_attack_is_refused_on_postgres_too(shop_pg_session):
    dimension = "{{ Dimension('customer__city') }}"
    for where in attacks():
        result = shop_pg_session.call("query", {"metrics": ["revenue"],
                                                "where": where.replace(
                                                    "{{ Dimension('customer__customer_country') }}",
                                                    dimension)})
        text = result.content[0].text
        assert result.isError and FROM_THE_VALIDATOR.match(text), f"{where!r} -> {text[:300]}"
        assert not secrets_in(result), where
    result = shop_pg_session.call("query", {
        "metrics": ["revenue"], "group_by": ["customer__city"],
        "where": f"{dimension} <> 'it''s; DROP TABLE orders; --'"})
    assert not result.isError, result.content[0].text
    assert result.structuredContent["rows"]


def test_postgres_queries_run_read_only_with_a_statement_timeout(postgres, shop_on_postgres,
                                                                 tmp_path):
    """The PostgreSQL layer alone, the guard's statement check aside: the
    engine's transaction refuses writes and stops a long statement; and the
    statement check that keeps a COMMIT from ending that transaction."""
    env = {name: value for name, value in postgres.items()}
    job = {"profiles_yml": (shop_on_postgres / "profiles.yml").read_text(), "env": env,
           "statements": [
               {"sql": "SELECT count(*) FROM analytics.orders", "via": "guarded"},
               {"sql": "WITH x AS (DELETE FROM analytics.orders RETURNING 1) SELECT count(*) FROM x",
                "via": "unchecked"},
               {"sql": "SELECT pg_sleep(5)", "via": "unchecked", "deadline_ms": 300},
               {"sql": "SELECT count(*) FROM analytics.orders", "via": "guarded"},
               # A COMMIT would end the read-only transaction: the guard
               # never lets a second statement through to carry one.
               {"sql": "SELECT 1 WHERE 'x' = $€$'$€$; COMMIT; "
                       "CREATE TABLE public.pwned AS SELECT 1 --'", "via": "guarded"},
               {"sql": "SELECT 1 WHERE 'x' = E'\\'' || '\\'; COMMIT; "
                       "CREATE TABLE public.pwned AS SELECT 1 --'", "via": "guarded"},
               {"sql": "SELECT 1 INTO public.pwned", "via": "guarded"}]}
    probe = REPO / "worker" / "engine" / "host" / "testdata" / "sql_probe.py"
    run = subprocess.run(
        [sys.executable, "-B", str(probe), "--project-dir", str(shop_on_postgres),
         "--scratch-dir", str(tmp_path), "--proto-path", os.environ["MFGATE_PROTO_PATH"],
         "--target", "postgres"],
        input=json.dumps(job), capture_output=True, text=True, timeout=300,
        cwd=shop_on_postgres, env={k: v for k, v in os.environ.items() if not k.startswith("SHOP_")})
    assert run.returncode == 0, run.stderr[-3000:]
    count, delete, sleep, again, *escapes = json.loads(run.stdout.splitlines()[-1])
    for escape in escapes:
        assert escape["error"].startswith("RefusedSql:"), escape
    assert count["ok"] and int(count["rows"][0][0]) > 0, count
    assert "read-only transaction" in delete["error"], delete
    assert "statement timeout" in sleep["error"], sleep
    assert again == count  # Nothing was deleted.
    tables = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", postgres["SHOP_PG_PORT"], "-U", "shop", "-d", "shop",
         "-tAc", "SELECT count(*) FROM pg_tables WHERE tablename = 'pwned'"],
        capture_output=True, text=True, env=dict(os.environ, PGPASSWORD=PG_PASSWORD), check=True)
    assert tables.stdout.strip() == "0"
