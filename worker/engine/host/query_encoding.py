"""A query's rows in the engine's answer: column by column, or row by row.

Building one protobuf Row and Value per cell takes a large share of a large
query's time (for 100,000 rows of 2 ints about a sixth of the query's own),
so the rows go column by column (EngineResponse.
query_columns, mfgate/v1/engine.proto): per column one typed list, filled by
`extend`. The worker turns it into QueryResponse.rows
(worker/engine/query_columns.h). A column mixing kinds (an int and a string),
or a value no typed list takes (an int beyond int64), sends the whole answer
row by row instead, as it always was.

Either way the rows stop at the request's byte budget, counted in the row
form the worker makes: the answer must fit the frame the worker reads, rather
than be cut there (or refused) after it is made.
"""

import datetime
import decimal

# Each kind of cell: its list in ColumnCells, the placeholder it holds at a
# NULL row, and how a value becomes an entry (None: as it is).
KINDS = {
    "bool": ("bools", False, None),
    "int": ("ints", 0, None),
    "double": ("doubles", 0.0, float),
    "time": ("times", "", lambda value: value.isoformat()),
    "string": ("strings", "", str),
}

# The type a list takes as it is, where its kind has others (Decimal, a str
# subclass) that are converted.
NATIVE = {"double": float, "string": str}

# The kind of a value, by the first of these its type is (as set_value).
KIND_OF_TYPE = (
    (bool, "bool"),
    (int, "int"),
    ((float, decimal.Decimal), "double"),
    ((datetime.datetime, datetime.date), "time"),
)

# What a cell costs at most in the row form beyond its entry in a typed list:
# the Value's tag and length, and the kind's own tag (an entry in `strings`
# already carries its tag and length; its Value's length is 1 byte below 128).
ROW_CELL_EXTRA = 3
# Largest cell in the row form, by kind, strings aside.
ROW_CELL_MAX = {"bool": 4, "int": 13, "double": 11, None: 2}
# The EngineResponse around its QueryResponse and QueryColumns: id, tags and
# lengths.
ENVELOPE = 24

_kinds = {type(None): None}


def kind_of(value_type):
    kind = _kinds.get(value_type)
    if kind is None and value_type not in _kinds:
        kind = next((k for t, k in KIND_OF_TYPE if issubclass(value_type, t)), "string")
        _kinds[value_type] = kind
    return kind


def set_value(target, value):
    """Sets the Value `target` to `value` (None leaves it empty: NULL)."""
    if value is None:
        return
    kind = kind_of(type(value))
    if kind == "bool":
        target.bool_value = value
    elif kind == "int":
        target.int_value = value
    elif kind == "double":
        target.double_value = float(value)
    elif kind == "time":
        target.time_value = value.isoformat()
    else:
        target.string_value = str(value)


def varint_size(number):
    return max(1, (number.bit_length() + 6) // 7)


class NotColumnar(Exception):
    """The rows cannot go column by column: a column holds values of more
    than one kind, or there are rows but no columns."""


def fill_columns(columns, rows, width):
    """Fills the QueryColumns `columns` with `rows`. Answers (largest, extra):
    per column the largest cell of the row form, and the bytes its long
    strings cost beyond ROW_CELL_EXTRA. Raises NotColumnar, or what a typed
    list raises for a value it cannot take."""
    columns.row_count = len(rows)
    largest, extra = [], 0
    for index in range(width):
        cells = columns.columns.add()
        values = [row[index] for row in rows]
        types = set(map(type, values))
        kinds = {kind_of(t) for t in types}
        nulls = None in kinds
        kinds.discard(None)
        if len(kinds) > 1:
            raise NotColumnar(f"column {index} mixes {sorted(kinds)}")
        if not kinds:  # Every cell NULL: no typed list, every row in nulls.
            cells.nulls.extend(range(len(values)))
            largest.append(ROW_CELL_MAX[None])
            continue
        kind = kinds.pop()
        field, placeholder, convert = KINDS[kind]
        if convert is not None and types - {type(None)} == {NATIVE.get(kind)}:
            convert = None  # Already what the list takes.
        if nulls:
            cells.nulls.extend(i for i, value in enumerate(values) if value is None)
            values = [placeholder if value is None else value if convert is None
                      else convert(value) for value in values]
        elif convert is not None:
            values = list(map(convert, values))
        getattr(cells, field).extend(values)
        if kind in ROW_CELL_MAX:
            largest.append(ROW_CELL_MAX[kind])
            continue
        # Text: UTF-8 takes at most 4 bytes a character. A Value of 16384
        # bytes or more has a length of 3 bytes or more.
        longest = max(map(len, values), default=0)
        content = 4 * longest + 1 + varint_size(4 * longest)
        largest.append(1 + varint_size(content) + content)
        if longest >= 4000:
            extra += sum(max(0, varint_size(len(text.encode()) + 6) - 2)
                         for text in values if len(text) >= 4000)
    return largest, extra


def rows_size_bound(columns, largest, extra):
    """An upper bound on the serialized size of the Row messages (with their
    tags) that `columns` becomes."""
    rows = columns.row_count
    bound = columns.ByteSize() + ROW_CELL_EXTRA * rows * len(largest) + extra
    return bound + rows * (1 + varint_size(sum(largest)))


def encode_columns(out, columns, rows, budget):
    """Puts `rows` (tuples, one value per column of `out`) into `columns`,
    cutting them at the byte budget (0: none) and marking `out` truncated
    then. Raises like fill_columns; `columns` is then unusable."""
    width = len(out.columns)
    if width == 0 and rows:
        raise NotColumnar("rows without columns")  # Refused by the worker.
    while True:
        columns.Clear()
        largest, extra = fill_columns(columns, rows, width)
        head = out.ByteSize() + ENVELOPE
        estimate = head + max(rows_size_bound(columns, largest, extra), columns.ByteSize())
        if budget <= 0 or estimate <= budget or not rows:
            return
        # Proportionally, then again while still over.
        keep = min(len(rows) - 1, len(rows) * budget // estimate)
        rows = rows[:keep]
        out.truncated = True


def encode_rows(out, rows, budget):
    """Puts `rows` into `out.rows`, one Row and Value per cell, stopping at
    the byte budget (0: none)."""
    used = out.ByteSize()
    for row in rows:
        message = out.rows.add()
        for cell in row:
            set_value(message.values.add(), cell)
        used += message.ByteSize() + 8  # The field's tag and length.
        if budget > 0 and used > budget:
            del out.rows[-1]
            out.truncated = True
            break
