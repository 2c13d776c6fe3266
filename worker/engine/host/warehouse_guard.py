"""What the engine's SQL may do at the warehouse, enforced where it is sent.

The worker's grammar keeps callers' text out of the SQL MetricFlow generates;
this module is the second line, at the warehouse:

- GuardedSqlClient sits between MetricFlow and dbt's adapter. It sends only
  single statements that read (SELECT or WITH, checked on the compiled SQL
  under every quoting convention of the dialects MetricFlow targets) and
  never `execute`s anything. On PostgreSQL every query runs in a read-only
  transaction with a statement timeout (the request's remaining time).
- duckdb_overrides / lock_duckdb_configuration: a DuckDB database is opened
  read-only, spills to the scratch directory, and once the profile's own
  set-up is done its connection runs with external access disabled (no file
  read or written, no database attached, no extension installed or loaded)
  and its configuration locked, so that no statement can turn either back.
"""

import dataclasses
import itertools
import threading

READ_ONLY_KEYWORDS = ("select", "with")


class RefusedSql(Exception):
    """SQL the guard will not send, and why."""


def _skip_block_comment(sql, i, nested):
    """The index after the block comment starting at i; PostgreSQL nests
    them (`nested`), most dialects do not."""
    depth = 0
    while i < len(sql):
        if sql.startswith("/*", i) and (nested or depth == 0):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise RefusedSql("unterminated comment")


def _statement_ends(sql, backslash_escapes, nested_comments):
    """Offsets of the `;`s outside quoted text and comments, and the first
    keyword, reading the text one way: with or without backslash escapes
    inside quotes (MySQL, BigQuery, Databricks, PostgreSQL's E''), with or
    without nested block comments (PostgreSQL)."""
    ends, first_word, i, n = [], None, 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            j = i + 1
            while True:
                if j >= n:
                    raise RefusedSql("unterminated quoted text")
                if backslash_escapes and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif sql.startswith("/*", i):
            i = _skip_block_comment(sql, i, nested_comments)
        elif c == "$" and i + 1 < n and (sql[i + 1] == "$" or sql[i + 1].isalpha()
                                         or sql[i + 1] == "_"):
            raise RefusedSql("dollar-quoted text")
        elif c == ";":
            ends.append(i)
            i += 1
        elif first_word is None and (c.isalpha() or c == "_"):
            j = i
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            first_word = sql[i:j].lower()
            i = j
        else:
            i += 1
    return ends, first_word


def check_statement(sql):
    """Raises RefusedSql unless `sql` is one statement that reads, however
    the dialect reads its quotes and comments."""
    for backslash_escapes, nested_comments in itertools.product((False, True), repeat=2):
        ends, first_word = _statement_ends(sql, backslash_escapes, nested_comments)
        if any(sql[end + 1:].strip() for end in ends):
            # Whatever follows a `;` (comments aside: stripped only as
            # whitespace here, so a trailing comment is refused too).
            raise RefusedSql("more than one statement")
        if first_word not in READ_ONLY_KEYWORDS:
            raise RefusedSql(f"not a query (starts with {first_word or 'nothing'})")


class Deadline:
    """The remaining time of the request being served, per thread."""

    _local = threading.local()

    @classmethod
    def set(cls, milliseconds):
        cls._local.milliseconds = milliseconds

    @classmethod
    def milliseconds(cls):
        return getattr(cls._local, "milliseconds", 0)


class GuardedSqlClient:
    """MetricFlow's SqlClient, for queries only; everything else delegates."""

    # Statement timeout when a request carries no deadline.
    DEFAULT_TIMEOUT_MS = 120_000

    def __init__(self, client, adapter, adapter_type):
        self._client = client
        self._adapter = adapter
        self._postgres = adapter_type == "postgres"

    def __getattr__(self, name):
        return getattr(self._client, name)

    def query(self, stmt, sql_bind_parameter_set=None, **kwargs):
        check_statement(stmt)
        args = (stmt,) if sql_bind_parameter_set is None else (stmt, sql_bind_parameter_set)
        if not self._postgres:
            return self._client.query(*args, **kwargs)
        # The client's query reuses this thread's connection and transaction.
        timeout = int(Deadline.milliseconds() or self.DEFAULT_TIMEOUT_MS)
        with self._adapter.connection_named("mfgate_read_only"):
            self._adapter.execute("SET TRANSACTION READ ONLY", auto_begin=True)
            self._adapter.execute(f"SET LOCAL statement_timeout = {max(1, timeout)}",
                                  auto_begin=True)
            return self._client.query(*args, **kwargs)

    def dry_run(self, stmt, sql_bind_parameter_set=None, **kwargs):
        check_statement(stmt)
        args = (stmt,) if sql_bind_parameter_set is None else (stmt, sql_bind_parameter_set)
        return self._client.dry_run(*args, **kwargs)

    def execute(self, stmt, *args, **kwargs):
        raise RefusedSql("the engine only reads: execute() is not available")


def duckdb_overrides(output, scratch_dir):
    """Changes a DuckDB profile output (a dict) so that the engine opens the
    database read-only and spills to its scratch directory."""
    options = dict(output.get("config_options") or {})
    options["access_mode"] = "READ_ONLY"
    options.setdefault("temp_directory", f"{scratch_dir}/duckdb-spill")
    output["config_options"] = options


def lock_duckdb_configuration():
    """Makes dbt-duckdb disable external access and lock the configuration of
    every database it opens, right after the profile's own set-up
    (extensions, secrets, attachments, settings) on the first cursor."""
    from dbt.adapters.duckdb.environments import Environment

    original = Environment.initialize_cursor.__func__

    def initialize_cursor(cls, creds, cursor, *args, **kwargs):
        locked = cursor.execute(
            "SELECT current_setting('lock_configuration')").fetchone()[0]
        if locked:
            # The profile's settings were applied to this database by its
            # first cursor; no SET can run now.
            creds = dataclasses.replace(creds, settings=None)
        cursor = original(cls, creds, cursor, *args, **kwargs)
        if not locked:
            cursor.execute("SET enable_external_access = false")
            cursor.execute("SET lock_configuration = true")
        return cursor

    Environment.initialize_cursor = classmethod(initialize_cursor)
