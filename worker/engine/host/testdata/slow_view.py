"""Test-only: makes a DuckDB table of a project answer slowly, so that a
query on it is still running when a test cancels it.

The table's rows are copied to `<table>_base` and a view of the same name
takes the table's (or view's) place: the same rows, behind a count over `rows` generated numbers that
DuckDB must finish first (about a second per 10^8 on a busy 2-core machine)
and can interrupt at any time.
"""

import duckdb


def make_slow(database, table="transactions", rows=10**10):
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"CREATE TABLE {table}_base AS SELECT * FROM {table}")
        is_view = connection.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [table]).fetchone()[0]
        connection.execute(f"DROP {'VIEW' if is_view else 'TABLE'} {table}")
        connection.execute(
            f"CREATE VIEW {table} AS SELECT * FROM {table}_base WHERE "
            f"(SELECT count(*) FROM range({rows}) r WHERE hash(r.range) > 0) > 0")
