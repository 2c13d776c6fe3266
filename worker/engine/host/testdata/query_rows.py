"""What the worker makes of an engine's answer to a query: its
query_columns turned into QueryResponse.rows (worker/engine/query_columns.h),
for tests that look at rows."""

# ColumnCells' typed lists and the Value field each becomes.
FIELDS = {"bools": "bool_value", "ints": "int_value", "doubles": "double_value",
          "strings": "string_value", "times": "time_value"}


def expanded(response):
    """A copy of the EngineResponse `response` whose query rows are given row
    by row, as the worker passes them on."""
    copy = type(response)()
    copy.CopyFrom(response)
    if not copy.HasField("query_columns"):
        return copy
    columns = copy.query_columns
    assert len(columns.columns) == len(copy.query.columns)
    assert not copy.query.rows
    rows = [copy.query.rows.add() for _ in range(columns.row_count)]
    values = [[row.values.add() for _ in columns.columns] for row in rows]
    for index, cells in enumerate(columns.columns):
        nulls = set(cells.nulls)
        lists = [name for name in FIELDS if len(getattr(cells, name))]
        assert len(lists) <= 1, lists
        if not lists:
            assert len(nulls) == columns.row_count
            continue
        entries = getattr(cells, lists[0])
        assert len(entries) == columns.row_count
        for row, entry in enumerate(entries):
            if row not in nulls:
                setattr(values[row][index], FIELDS[lists[0]], entry)
    copy.ClearField("query_columns")
    return copy


def row_count(response):
    """How many rows the worker makes of the query answer `response`."""
    if response.HasField("query_columns"):
        return response.query_columns.row_count
    return len(response.query.rows)
