"""A query's rows leave the engine column by column (query_columns): what the
worker makes of them is exactly the row answer, a column mixing kinds sends
rows instead, and the byte budget holds for the rows the worker makes.

MetricFlow is replaced here by an object answering fixed rows; host_test.py
and tests/e2e check the real engine end to end.

Needs MFGATE_PROTO_PATH (the generated protobuf modules); `make test` sets it.
"""

import datetime
import decimal
import os
import pathlib
import sys
import types

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "testdata"))

from query_rows import expanded  # noqa: E402


@pytest.fixture(scope="module")
def modules():
    path = os.environ.get("MFGATE_PROTO_PATH")
    assert path, "MFGATE_PROTO_PATH must name the generated protobuf modules"
    sys.path.insert(0, path)
    from mfgate.v1 import engine_pb2, worker_pb2
    import mf_adapter
    import query_encoding
    import warehouse_guard
    return types.SimpleNamespace(adapter=mf_adapter, engine=engine_pb2, worker=worker_pb2,
                                 encoding=query_encoding, guard=warehouse_guard)


class Label(str):
    """A str subclass, as some drivers answer."""


class Opaque:
    """A value of no known kind: sent as its text."""

    def __str__(self):
        return "opaque!"


class FixedRows:
    """MetricFlow's engine answering every query with `rows`."""

    def __init__(self, names, rows):
        self._result = types.SimpleNamespace(
            sql="SELECT 1", dataflow_plan=None,
            result_df=types.SimpleNamespace(column_names=names, rows=rows))

    def query(self, mf_request):
        return self._result


def answer(m, names, rows, max_rows=0, budget=0):
    adapter = m.adapter.Adapter.__new__(m.adapter.Adapter)
    adapter._pb = m.worker
    adapter._cancellation = m.guard.Cancellation("none")
    adapter.mf = FixedRows(names, rows)
    request = m.engine.EngineRequest(id=9, max_rows=max_rows, max_response_bytes=budget)
    request.query.metrics.append("m")
    response = m.engine.EngineResponse(id=9)
    adapter.handle(request, response)
    return response


def row_answer(m, response, rows):
    """The answer as rows, one Value per cell, made the row-by-row way."""
    expected = m.engine.EngineResponse()
    expected.CopyFrom(response)
    expected.ClearField("query_columns")
    expected.query.ClearField("rows")
    m.encoding.encode_rows(expected.query, rows, 0)
    return expected


ALL_KINDS = ["flag", "count", "amount", "price", "day", "at", "name", "label", "other",
             "nothing"]
ALL_KINDS_ROWS = [
    (True, 1, 1.5, decimal.Decimal("2.25"), datetime.date(2024, 1, 2),
     datetime.datetime(2024, 1, 2, 3, 4, 5), "ab", Label("x"), Opaque(), None),
    (None, -(2 ** 63), None, None, None, None, None, None, None, None),
    (False, 2 ** 63 - 1, -0.0, decimal.Decimal("-1e-3"), datetime.date(1999, 12, 31),
     datetime.datetime(2024, 5, 6, 7, 8, 9, 123456), "é" * 200, Label(""), Opaque(), None),
    (None, None, float("inf"), decimal.Decimal("1e300"), None, None, "", None, None, None),
]


def test_columns_expand_to_the_row_answer(modules):
    response = answer(modules, ALL_KINDS, ALL_KINDS_ROWS)
    assert not response.HasField("error"), response.error
    assert response.HasField("query_columns")
    assert not response.query.rows
    cells = response.query_columns.columns
    assert [name for c in cells for name in ("bools", "ints", "doubles", "strings", "times")
            if len(getattr(c, name))] == ["bools", "ints", "doubles", "doubles", "times",
                                         "times", "strings", "strings", "strings"]
    assert list(cells[0].nulls) == [1, 3] and list(cells[9].nulls) == [0, 1, 2, 3]
    got = expanded(response)
    assert got == row_answer(modules, response, ALL_KINDS_ROWS)
    assert [c.type for c in got.query.columns] == [
        "BOOLEAN", "INTEGER", "NUMBER", "NUMBER", "DATE", "TIMESTAMP", "STRING", "STRING",
        "UNKNOWN", "UNKNOWN"]
    first, second = got.query.rows[0].values, got.query.rows[1].values
    assert first[3].double_value == 2.25 and first[4].time_value == "2024-01-02"
    assert first[5].time_value == "2024-01-02T03:04:05" and first[8].string_value == "opaque!"
    assert second[1].int_value == -(2 ** 63)
    assert [v.WhichOneof("kind") for v in second] == [None, "int_value"] + [None] * 8


def test_an_empty_result_has_its_columns_and_no_rows(modules):
    response = answer(modules, ["a", "b"], [])
    assert not response.HasField("error"), response.error
    got = expanded(response)
    assert [c.name for c in got.query.columns] == ["a", "b"]
    assert not got.query.rows and not got.query.truncated


@pytest.mark.parametrize("rows", [
    [(1, "a"), ("2", "b")],              # A column of ints and strings.
    [(True, 1), (1, 2)],                 # Of bools and ints.
    [(datetime.date(2024, 1, 1),), ("2024-01-02",)],  # Of dates and strings.
])
def test_a_column_mixing_kinds_sends_rows(modules, rows):
    names = ["c%d" % i for i in range(len(rows[0]))]
    response = answer(modules, names, rows)
    assert not response.HasField("error"), response.error
    assert not response.HasField("query_columns")
    assert len(response.query.rows) == len(rows)
    assert response == row_answer(modules, response, rows)


def test_a_value_no_list_takes_is_answered_as_rows_are(modules):
    # An int beyond int64: the row form refuses it too, as it always did.
    response = answer(modules, ["n"], [(1,), (2 ** 64,)])
    assert not response.HasField("query_columns")
    assert response.WhichOneof("response") is None
    assert response.error.code == modules.worker.ErrorDetail.INTERNAL


def test_max_rows_cuts_the_columns(modules):
    rows = [(i, "r%d" % i) for i in range(10)]
    response = answer(modules, ["i", "s"], rows, max_rows=4)
    got = expanded(response)
    assert got.query.truncated
    assert [r.values[0].int_value for r in got.query.rows] == [0, 1, 2, 3]


@pytest.mark.parametrize("text", ["x" * 10, "y" * 130, "é" * 70, "z" * 20000, "ü" * 5000],
                         ids=["short", "over_127", "two_byte", "over_16383", "two_byte_long"])
def test_the_byte_budget_holds_for_the_rows_the_worker_makes(modules, text):
    rows = [(i, i * 0.5, None if i % 3 else text, i % 2 == 0) for i in range(300)]
    names = ["i", "d", "s", "b"]
    whole = expanded(answer(modules, names, rows))
    assert not whole.query.truncated and len(whole.query.rows) == 300
    budget = whole.ByteSize() * 2 // 3
    cut = answer(modules, names, rows, budget=budget)
    assert cut.HasField("query_columns") and cut.query.truncated
    assert cut.ByteSize() <= budget  # The frame the worker reads...
    made = expanded(cut)
    assert made.ByteSize() <= budget  # ...and the rows it makes of it.
    # Cut in proportion, not by half: most of what fits is kept.
    assert len(whole.query.rows) // 2 < len(made.query.rows) < len(whole.query.rows)
    assert made.query.rows[:] == whole.query.rows[:len(made.query.rows)]


def test_an_answer_larger_than_its_budget_without_rows_keeps_no_rows(modules):
    response = answer(modules, ["n" * 200], [(1,), (2,)], budget=100)
    assert response.query.truncated
    assert expanded(response).query.rows[:] == []


def test_rows_without_columns_are_sent_as_rows(modules):
    response = answer(modules, [], [(), ()])
    assert not response.HasField("query_columns")
    assert len(response.query.rows) == 2
