"""What the engine's SQL may do at the warehouse, enforced where it is sent.

The worker's grammar keeps callers' text out of the SQL MetricFlow generates;
this module is the second line, at the warehouse:

- GuardedSqlClient sits between MetricFlow and dbt's adapter. It sends only
  one statement that reads, and never `execute`s anything. Two checks must
  both pass (check_statement): a reading of the text that refuses whatever
  two dialects could read differently (backslash escapes inside quotes,
  dollar quotes, `#` and `//` comments; block comments read both nested and
  flat), and the warehouse's own parser where the engine has it (DuckDB's,
  and PostgreSQL's through libpg_query): exactly one statement, a SELECT
  that writes nothing (no data-modifying WITH, no SELECT INTO, no row
  locks). On PostgreSQL every query also runs in a read-only transaction
  with a statement timeout (the request's remaining time).
- Cancellation stops the statement of a request the worker cancelled: the
  warehouse interrupts it where it can (DuckDB's interrupt, PostgreSQL's
  cancel request, as pg_cancel_backend), and a request cancelled before its
  statement is sent sends none. The engine then serves on.
- duckdb_overrides / lock_duckdb_configuration: a DuckDB database is opened
  read-only, without a spill directory (DuckDB would let queries read and
  write files there), and once the profile's own set-up is done its
  connection runs with external access disabled (no file read or written,
  no database attached, no extension installed or loaded) and its
  configuration locked, so that no statement can turn either back.
"""

import contextlib
import dataclasses
import json
import re
import threading
import traceback

READ_ONLY_KEYWORDS = ("select", "with")


class RefusedSql(Exception):
    """SQL the guard will not send, and why."""


# What can start quoted text, a comment, a dollar quote or a new statement;
# the scanner jumps from one to the next.
_SPECIAL = re.compile(r"""['"`;$#]|--|/[*/]""")
_COMMENT_MARK = re.compile(r"/\*|\*/")
# Quoted text from its opening quote, a doubled quote standing for itself.
_QUOTED = {quote: re.compile(f"{quote}(?:[^{quote}]|{quote}{quote})*{quote}")
           for quote in "'\"`"}
_LINE_END = re.compile(r"[\r\n]")
_LEADING = re.compile(r"(?:\s+|\(|--[^\r\n]*(?:[\r\n]|$))*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# PostgreSQL parse-tree nodes of a query that writes or locks.
_POSTGRES_WRITES = {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "intoClause",
                    "lockingClause"}


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


def _statement_ends(sql, nested_comments):
    """Offsets of the `;`s outside quoted text and comments. Refuses what
    dialects read differently: a backslash before a quote or a backslash
    inside quoted text (an escape in E'' and in some dialects' strings,
    plain text elsewhere), dollar quotes (PostgreSQL and DuckDB take any
    non-ASCII character in a tag), `#` and `//` (comments in some
    dialects)."""
    ends, i = [], 0
    while (found := _SPECIAL.search(sql, i)) is not None:
        token, i = found.group(), found.start()
        if token in "'\"`":
            quoted = _QUOTED[token].match(sql, i)
            if quoted is None:
                raise RefusedSql("unterminated quoted text")
            text = quoted.group()
            if "\\\\" in text or "\\" + token in text:
                raise RefusedSql("a backslash escape in quoted text")
            i = quoted.end()
        elif token == "--":
            end = _LINE_END.search(sql, i)  # A carriage return ends it too.
            i = len(sql) if end is None else end.end()
        elif token == "/*":
            i = _skip_block_comment(sql, i, nested_comments)
        elif token == "$":
            following = sql[i + 1:i + 2]
            if not (following.isascii() and following.isdigit()):
                raise RefusedSql("dollar-quoted text")
            i += 1
        elif token in ("#", "//"):
            raise RefusedSql(f"'{token}' (a comment in some dialects)")
        else:
            ends.append(i)
            i += 1
    return ends


def _duckdb_statements(sql):
    import duckdb
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise RefusedSql(f"DuckDB cannot parse it: {error}") from error
    if len(statements) != 1:
        raise RefusedSql("more than one statement (DuckDB's parser)")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise RefusedSql(f"not a query (DuckDB reads a {statements[0].type.name})")


def _writes(node):
    """The first PostgreSQL node that writes in a parse tree (JSON), or None."""
    if isinstance(node, dict):
        for key, value in node.items():
            found = key if key in _POSTGRES_WRITES else _writes(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _writes(value)
            if found:
                return found
    return None


def _postgres_statements(sql):
    from pglast.parser import ParseError, parse_sql_json
    try:
        tree = json.loads(parse_sql_json(sql))
    except ParseError as error:
        raise RefusedSql(f"PostgreSQL cannot parse it: {error}") from error
    statements = tree.get("stmts", [])
    if len(statements) != 1:
        raise RefusedSql("more than one statement (PostgreSQL's parser)")
    statement = statements[0].get("stmt", {})
    if "SelectStmt" not in statement:
        raise RefusedSql(f"not a query (PostgreSQL reads a {next(iter(statement), '?')})")
    written = _writes(statement)
    if written:
        raise RefusedSql(f"a query that writes ({written})")


# The warehouse's own parser, by adapter type, where the engine has one.
_WAREHOUSE_PARSERS = {"duckdb": _duckdb_statements, "postgres": _postgres_statements}


def check_statement(sql, warehouse=""):
    """Raises RefusedSql unless `sql` is one statement that reads, however a
    dialect reads its quotes and comments, and (for DuckDB and PostgreSQL)
    as `warehouse`'s own parser reads it."""
    # Block comments are read both nested and flat when there are any.
    for nested_comments in (False, True) if "/*" in sql else (False,):
        ends = _statement_ends(sql, nested_comments)
        if any(sql[end + 1:].strip() for end in ends):
            # Whatever follows a `;` (comments aside: stripped only as
            # whitespace here, so a trailing comment is refused too).
            raise RefusedSql("more than one statement")
        first_word = _first_word(sql, nested_comments)
        if first_word not in READ_ONLY_KEYWORDS:
            raise RefusedSql(f"not a query (starts with {first_word or 'nothing'})")
    parser = _WAREHOUSE_PARSERS.get(warehouse)
    if parser is not None:
        parser(sql)


class Deadline:
    """The remaining time of the request being served, per thread."""

    _local = threading.local()

    @classmethod
    def set(cls, milliseconds):
        cls._local.milliseconds = milliseconds

    @classmethod
    def milliseconds(cls):
        return getattr(cls._local, "milliseconds", 0)


class Cancelled(Exception):
    """The worker cancelled the request being served."""


# How each warehouse stops a running statement from another thread, given the
# open dbt connection's handle: dbt-duckdb's own cancel, and psycopg2's
# cancel request (what pg_cancel_backend does). Others have none here: the
# worker stops their engine instead.
_INTERRUPTS = {
    "duckdb": lambda handle: handle.cursor().interrupt(),
    "postgres": lambda handle: handle.cancel(),
}


class Cancellation:
    """Which request the worker cancelled, and the statement to interrupt.

    The serving thread calls begin() for each request and runs each statement
    inside statement(); the thread that reads the worker's frames calls
    cancel(). Request ids only grow, so a cancel that arrives after its
    request was answered names no request being served and does nothing.
    """

    def __init__(self, warehouse):
        self._interrupt = _INTERRUPTS.get(warehouse)
        self._lock = threading.Lock()
        self._current = 0
        self._cancelled = 0
        self._connection = None  # The dbt connection of the running statement.

    def begin(self, request_id):
        with self._lock:
            self._current = request_id

    def requested(self):
        """Whether the request being served was cancelled."""
        with self._lock:
            return self._current != 0 and self._cancelled == self._current

    def cancel(self, request_id):
        with self._lock:
            self._cancelled = request_id
            if request_id != self._current or self._connection is None:
                return
            connection = self._connection
        if self._interrupt is None or connection.state != "open":
            return
        try:
            self._interrupt(connection.handle)
        except Exception:  # The statement ended meanwhile: nothing to stop.
            traceback.print_exc()

    @contextlib.contextmanager
    def statement(self, connection):
        """Around one statement on `connection` (dbt's, of this thread)."""
        with self._lock:
            if self._current != 0 and self._cancelled == self._current:
                raise Cancelled("the request was cancelled")
            self._connection = connection
        try:
            yield
        finally:
            with self._lock:
                self._connection = None


class GuardedSqlClient:
    """MetricFlow's SqlClient, for queries only; everything else delegates."""

    # Statement timeout when a request carries no deadline.
    DEFAULT_TIMEOUT_MS = 120_000

    def __init__(self, client, adapter, adapter_type, cancellation=None):
        self._client = client
        self._adapter = adapter
        self._warehouse = adapter_type
        self._postgres = adapter_type == "postgres"
        self._cancellation = cancellation or Cancellation(adapter_type)

    def __getattr__(self, name):
        return getattr(self._client, name)

    def query(self, stmt, sql_bind_parameter_set=None, **kwargs):
        check_statement(stmt, self._warehouse)
        return self.query_in_read_only_transaction(stmt, sql_bind_parameter_set, **kwargs)

    def query_in_read_only_transaction(self, stmt, sql_bind_parameter_set=None, **kwargs):
        """query() without the statement check (tests prove each layer
        alone with it)."""
        args = (stmt,) if sql_bind_parameter_set is None else (stmt, sql_bind_parameter_set)
        # The client's query reuses this thread's connection (and on
        # PostgreSQL its transaction): the one a cancel interrupts.
        with self._adapter.connection_named("mfgate_read_only"):
            connection = self._adapter.connections.get_thread_connection()
            with self._cancellation.statement(connection):
                if self._postgres:
                    timeout = int(Deadline.milliseconds() or self.DEFAULT_TIMEOUT_MS)
                    self._adapter.execute("SET TRANSACTION READ ONLY", auto_begin=True)
                    self._adapter.execute(f"SET LOCAL statement_timeout = {max(1, timeout)}",
                                          auto_begin=True)
                return self._client.query(*args, **kwargs)

    def dry_run(self, stmt, sql_bind_parameter_set=None, **kwargs):
        check_statement(stmt, self._warehouse)
        args = (stmt,) if sql_bind_parameter_set is None else (stmt, sql_bind_parameter_set)
        return self._client.dry_run(*args, **kwargs)

    def execute(self, stmt, *args, **kwargs):
        raise RefusedSql("the engine only reads: execute() is not available")


def duckdb_overrides(output):
    """Changes a DuckDB profile output (a dict) so that the engine opens the
    database read-only and without a spill directory: DuckDB lets queries
    read and write files in its temp_directory even with external access
    off, so a query that outgrows memory fails rather than spills."""
    options = dict(output.get("config_options") or {})
    options["access_mode"] = "READ_ONLY"
    options["temp_directory"] = ""
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
