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
import re
import threading

READ_ONLY_KEYWORDS = ("select", "with")


class RefusedSql(Exception):
    """SQL the guard will not send, and why."""


# What can start quoted text, a comment, a dollar quote or a new statement;
# the scanner jumps from one to the next.
_SPECIAL = re.compile(r"""['"`;$]|--|/\*""")
_COMMENT_MARK = re.compile(r"/\*|\*/")
# Quoted text from its opening quote, a doubled quote standing for itself,
# with or without backslash escapes.
_QUOTED = {
    (quote, backslash): re.compile(
        quote + ("(?:[^" + quote + "\\\\]|" + quote + quote + "|\\\\.)*" if backslash
                 else "(?:[^" + quote + "]|" + quote + quote + ")*") + quote, re.S)
    for quote in "'\"`" for backslash in (False, True)
}
_LEADING = re.compile(r"(?:\s+|\(|--[^\n]*(?:\n|$))*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _skip_block_comment(sql, i, nested):
    """The index after the block comment starting at i; PostgreSQL nests
    them (`nested`), most dialects do not."""
    depth = 0
    for mark in _COMMENT_MARK.finditer(sql, i):
        if mark.group() == "/*":
            if nested or depth == 0:
                depth += 1
        else:
            depth -= 1
            if depth == 0:
                return mark.end()
    raise RefusedSql("unterminated comment")


def _first_word(sql, nested):
    """The first keyword, past whitespace, comments and parentheses."""
    i = 0
    while True:
        i = _LEADING.match(sql, i).end()
        if not sql.startswith("/*", i):
            break
        i = _skip_block_comment(sql, i, nested)
    word = _WORD.match(sql, i)
    return word.group().lower() if word else None


def _statement_ends(sql, backslash_escapes, nested_comments):
    """Offsets of the `;`s outside quoted text and comments, reading the text
    one way: with or without backslash escapes inside quotes (MySQL,
    BigQuery, Databricks, PostgreSQL's E''), with or without nested block
    comments (PostgreSQL)."""
    ends, i = [], 0
    while (found := _SPECIAL.search(sql, i)) is not None:
        token, i = found.group(), found.start()
        if token in "'\"`":
            quoted = _QUOTED[(token, backslash_escapes)].match(sql, i)
            if quoted is None:
                raise RefusedSql("unterminated quoted text")
            i = quoted.end()
        elif token == "--":
            newline = sql.find("\n", i)
            i = len(sql) if newline < 0 else newline + 1
        elif token == "/*":
            i = _skip_block_comment(sql, i, nested_comments)
        elif token == "$":
            following = sql[i + 1:i + 2]
            if following == "$" or following == "_" or following.isalpha():
                raise RefusedSql("dollar-quoted text")
            i += 1
        else:
            ends.append(i)
            i += 1
    return ends


def check_statement(sql):
    """Raises RefusedSql unless `sql` is one statement that reads, however
    the dialect reads its quotes and comments."""
    # A reading that cannot differ from the first (no backslash, no block
    # comment in the text) is not repeated.
    ways = itertools.product((False, True) if "\\" in sql else (False,),
                             (False, True) if "/*" in sql else (False,))
    for backslash_escapes, nested_comments in ways:
        ends = _statement_ends(sql, backslash_escapes, nested_comments)
        if any(sql[end + 1:].strip() for end in ends):
            # Whatever follows a `;` (comments aside: stripped only as
            # whitespace here, so a trailing comment is refused too).
            raise RefusedSql("more than one statement")
        first_word = _first_word(sql, nested_comments)
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
