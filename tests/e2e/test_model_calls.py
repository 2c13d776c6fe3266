"""Calls as language models write them, through the official MCP Python
client against the real gateway, worker and MetricFlow, on the demo and shop
projects.

Each call is either served correctly (checked against what it should
return) or refused with an error that names the argument as the caller
wrote it and ends with "Example (tool): {...}" — and that example, sent
back as it is, is served.
"""

import json
import re

import pytest

from harness import McpSession, gateway_env

EXAMPLE = re.compile(r"^Example \(([^)]+)\): (\{.*\})$", re.M)


def text_of(result):
    return result.content[0].text


def rows_of(result):
    assert not result.isError, text_of(result)
    return result.structuredContent["rows"]


def served(session, tool, arguments):
    result = session.call(tool, arguments)
    assert not result.isError, f"{tool} {arguments}: {text_of(result)}"
    return result


def refused(session, tool, arguments, field):
    """The refusal of `arguments`, and the result of its example sent back."""
    result = session.call(tool, arguments)
    text = text_of(result)
    assert result.isError, f"{tool} {arguments} was served: {text[:300]}"
    assert text.startswith(field), f"expected the field {field!r}: {text}"
    found = EXAMPLE.search(text)
    assert found, f"no example in: {text}"
    assert found.group(1) == tool
    example = json.loads(found.group(2))
    again = session.call(tool, example)
    assert not again.isError, \
        f"the example {example} of {text!r} failed: {text_of(again)}"
    return example, again


@pytest.fixture(scope="module")
def shop(shop_project):
    session = McpSession(gateway_env(shop_project))
    yield session
    session.close()


# --- served as they are -----------------------------------------------------

BY_COUNTRY = [["CA", 15], ["FR", 11], ["MX", 10], ["US", 14]]


def test_dbt_mcp_call_with_typed_objects(demo):
    result = served(demo, "query_metrics", {
        "metrics": ["transactions"],
        "group_by": [{"name": "metric_time", "grain": "MONTH", "type": "time_dimension"}],
        "order_by": [{"name": "metric_time", "grain": "MONTH", "descending": True}],
        "limit": 1})
    assert [row[0][:7] for row in rows_of(result)] == ["2022-04"]


def test_typed_group_by_equals_the_name(demo):
    typed = served(demo, "query", {
        "metrics": ["transactions"],
        "group_by": [{"name": "customer__customer_country", "type": "dimension"}],
        "order": ["customer__customer_country"]})
    named = served(demo, "query", {"metrics": ["transactions"],
                                   "group_by": ["customer__customer_country"],
                                   "order": ["customer__customer_country"]})
    assert rows_of(typed) == rows_of(named) == BY_COUNTRY


def test_typed_entity_and_order_objects(demo):
    entity = served(demo, "query", {"metrics": ["transactions"],
                                    "group_by": [{"name": "customer", "type": "entity"}]})
    assert entity.structuredContent["columns"][0]["name"] == "customer"
    assert rows_of(entity)
    ordered = served(demo, "query", {
        "metrics": ["transactions"], "group_by": ["customer__customer_country"],
        "order_by": [{"name": "transactions", "descending": True}]})
    assert rows_of(ordered)[0] == ["CA", 15]


def test_lists_as_strings_and_wrong_case(demo):
    assert rows_of(served(demo, "query", {"metrics": "transactions"})) == [[50]]
    both = served(demo, "query", {"metrics": "transactions, new_customers",
                                  "group_by": "metric_time__month"})
    assert [c["name"] for c in both.structuredContent["columns"]] == \
        ["metric_time__month", "transactions", "new_customers"]
    shouted = served(demo, "query", {"metrics": ["Transactions"],
                                     "group_by": ["Customer__Customer_Country"],
                                     "order": "-TRANSACTIONS"})
    assert rows_of(shouted)[0] == ["CA", 15]


def test_order_takes_the_grain_of_its_group_by(demo):
    result = served(demo, "query", {"metrics": ["transactions"],
                                    "group_by": ["metric_time__month"],
                                    "order": ["-metric_time"]})
    assert [row[0][:7] for row in rows_of(result)] == ["2022-04", "2022-03"]


def test_scalars_as_text(demo):
    assert len(rows_of(served(demo, "query", {
        "metrics": ["transactions"], "group_by": ["metric_time__day"],
        "limit": "2"}))) == 2
    explained = served(demo, "query", {"metrics": ["transactions"], "explain": "true"})
    assert "SELECT" in explained.structuredContent["sql"].upper()
    planned = served(demo, "compile_sql", {"metrics": ["transactions"],
                                           "show_dataflow_plan": "yes"})
    assert planned.structuredContent["dataflow_plan"]


def test_where_as_a_list_of_filters(demo):
    result = served(demo, "query", {
        "metrics": ["transactions"], "group_by": ["customer__customer_country"],
        "order": ["customer__customer_country"],
        "where": ["{{ Dimension('customer__customer_country') }} IN ('US', 'MX')",
                  "{{ Dimension('customer__customer_country') }} <> 'MX'"]})
    assert rows_of(result) == [["US", 14]]


def test_iso_times(demo):
    result = served(demo, "query", {"metrics": ["transactions"],
                                    "group_by": ["metric_time__month"],
                                    "start_time": "2022-03-01", "end_time": "2022-03-31"})
    assert [row[0][:7] for row in rows_of(result)] == ["2022-03"]


def test_dbt_mcp_metadata_tools(demo):
    dimensions = served(demo, "get_dimensions", {"metrics": ["transactions"]})
    assert "metric_time" in {d["name"] for d in dimensions.structuredContent["dimensions"]}
    entities = served(demo, "get_entities", {"metrics": ["transactions"]})
    assert "customer" in {e["name"] for e in entities.structuredContent["entities"]}
    values = served(demo, "get_dimension_values", {
        "dimension": "customer__customer_country", "metrics": None, "limit": 100})
    assert sorted(values.structuredContent["values"]) == ["CA", "FR", "MX", "US"]
    compiled = served(demo, "get_metrics_compiled_sql", {
        "metrics": ["transactions"],
        "group_by": [{"name": "metric_time", "grain": "week", "type": "time_dimension"}]})
    assert "SELECT" in compiled.structuredContent["sql"].upper()


def test_without_metrics_every_entity_and_dimension(demo):
    entities = served(demo, "list_entities", {})
    assert {e["name"] for e in entities.structuredContent["entities"]} == \
        {"country", "customer", "id_order", "transaction"}
    dimensions = {d["name"] for d in
                  served(demo, "list_dimensions", {}).structuredContent["dimensions"]}
    assert {"metric_time", "country__region", "customer__customer_country",
            "transaction__is_large"} <= dimensions


def test_search_on_every_listing(demo):
    metrics = served(demo, "list_metrics", {"search": ["cancel", "quick"]})
    assert {m["name"] for m in metrics.structuredContent["metrics"]} == {
        "cancellations", "cancellation_rate", "cancellations_mx",
        "quick_buy_transactions", "quick_buy_amount_usd"}
    dimensions = served(demo, "list_dimensions", {"search": "COUNTRY"})
    names = [d["name"] for d in dimensions.structuredContent["dimensions"]]
    assert names and all("country" in n for n in names)
    entities = served(demo, "list_entities", {"search": "order"})
    assert [e["name"] for e in entities.structuredContent["entities"]] == ["id_order"]
    saved = served(demo, "list_saved_queries", {"search": "cumulative"})
    assert [q["name"] for q in saved.structuredContent["saved_queries"]] == \
        ["cumulative_transaction_metrics"]
    values = served(demo, "list_dimension_values", {
        "dimension": "customer__customer_country", "search": "x"})
    assert values.structuredContent["values"] == ["MX"]


def test_dimension_values_are_limited(demo):
    values = served(demo, "list_dimension_values", {
        "dimension": "customer__customer_country", "limit": 2})
    data = values.structuredContent
    assert len(data["values"]) == 2 and data["truncated"] is True
    assert "raise limit" in data["hint"]


def test_saved_query_and_the_next_calls_of_resources(demo):
    assert rows_of(served(demo, "query", {"saved_query": "core_transaction_metrics",
                                          "limit": 5}))
    from pydantic import AnyUrl
    for uri in ("metricflow://metric/transactions",
                "metricflow://saved-query/core_transaction_metrics"):
        read = demo.run(lambda s, uri=uri: s.read_resource(AnyUrl(uri)))
        calls = json.loads(read.contents[0].text)["next_calls"]
        assert calls
        for call in calls:
            served(demo, call["tool"], call["arguments"])
    prompt = demo.run(lambda s: s.get_prompt("explore_metric", {"metric": "transactions"}))
    text = prompt.messages[0].content.text
    shown = re.search(r"query (\{.*?\})\.\n", text)
    served(demo, "query", json.loads(shown.group(1)))


# --- refused, and the example served ---------------------------------------

REFUSED = [
    ("unknown metric", "query", {"metrics": ["transaction"]}, "metrics[0]"),
    ("missing entity prefix", "query",
     {"metrics": ["transactions"], "group_by": ["customer_country"]}, "group_by[0]"),
    ("unknown grain", "query",
     {"metrics": ["transactions"], "group_by": [{"name": "metric_time", "grain": "fortnight"}]},
     "group_by[0]"),
    ("near-miss keys in group_by", "query",
     {"metrics": ["transactions"], "group_by": [{"dimension": "metric_time", "granularity": "month"}]},
     "group_by[0].dimension"),
    ("near-miss keys in order_by", "query_metrics",
     {"metrics": ["transactions"], "group_by": ["customer__customer_country"],
      "order_by": [{"field": "transactions", "direction": "desc"}]},
     "order_by[0].direction"),
    ("descending as a word", "query_metrics",
     {"metrics": ["transactions"], "order_by": [{"name": "transactions", "descending": "desc"}]},
     "order_by[0].descending"),
    ("order by what is not selected", "query",
     {"metrics": ["transactions"], "order": ["-revenue_usd"]}, "order[0]"),
    ("order by another grain, dbt-mcp's naming", "query_metrics",
     {"metrics": ["transactions"], "group_by": [{"name": "metric_time", "grain": "month"}],
      "order_by": ["metric_time__day"]}, "order_by[0]"),
    ("SQL's DESC", "query",
     {"metrics": ["transactions"], "group_by": ["customer__customer_country"],
      "order": ["transactions DESC"]}, "order[0]"),
    ("a reference where a name belongs", "query",
     {"metrics": ["transactions"], "group_by": ["TimeDimension('metric_time', 'month')"]},
     "group_by[0]"),
    ("a bare column in where", "query",
     {"metrics": ["transactions"], "where": "customer__customer_country = 'US'"}, "where"),
    ("an unknown dimension in where", "query",
     {"metrics": ["transactions"], "where": "{{ Dimension('customer__country') }} = 'US'"},
     "where"),
    ("metric_time as a column", "query",
     {"metrics": ["transactions"], "where": "metric_time >= '2022-03-15'"}, "where"),
    ("a relative date in where", "query",
     {"metrics": ["transactions"],
      "where": "{{ TimeDimension('metric_time', 'day') }} >= 'last 30 days'"}, "where"),
    ("last 7 days", "query", {"metrics": ["transactions"], "start_time": "last 7 days"},
     "start_time"),
    ("yesterday", "query", {"metrics": ["transactions"], "end_time": "yesterday"}, "end_time"),
    ("a time zone", "query",
     {"metrics": ["transactions"], "end_time": "2022-03-31T23:59:59Z"}, "end_time"),
    ("a date in words", "query",
     {"metrics": ["transactions"], "start_time": "March 1, 2022"}, "start_time"),
    ("a limit over the most", "query", {"metrics": ["transactions"], "limit": 100000},
     "limit"),
    ("a limit in words", "query", {"metrics": ["transactions"], "limit": "ten"}, "limit"),
    ("groupBy", "query", {"metrics": ["transactions"], "groupBy": ["metric_time__month"]},
     "groupBy"),
    ("filter for where", "query",
     {"metrics": ["transactions"],
      "filter": "{{ Dimension('customer__customer_country') }} = 'US'"}, "filter"),
    ("an entity's values", "list_dimension_values",
     {"dimension": "customer__country", "metrics": ["transactions"]}, "dimension"),
    ("an unknown saved query", "query", {"saved_query": "core_transaction_metric"},
     "saved_query"),
    ("a saved query with metrics", "query",
     {"saved_query": "core_transaction_metrics", "metrics": ["transactions"]}, "saved_query"),
    ("no metrics", "query", {"group_by": ["metric_time__day"]}, "metrics"),
    ("no dimension", "get_dimension_values", {"metrics": ["transactions"]}, "dimension"),
    ("explain maybe", "query", {"metrics": ["transactions"], "explain": "maybe"}, "explain"),
    ("a cursor made up", "query", {"metrics": ["transactions"], "cursor": "page 2"}, "cursor"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_with_an_example_that_is_served(demo, case):
    _, tool, arguments, field = case
    refused(demo, tool, arguments, field)


def test_examples_keep_what_the_caller_meant(demo):
    example, result = refused(demo, "query", {"metrics": ["transaction"]}, "metrics[0]")
    assert example == {"metrics": ["transactions"]}
    example, _ = refused(demo, "query", {"metrics": ["transactions"],
                                         "group_by": ["customer_country"]}, "group_by[0]")
    assert example["group_by"] == ["customer__customer_country"]
    example, _ = refused(demo, "query_metrics", {
        "metrics": ["transactions"], "group_by": ["customer__customer_country"],
        "order_by": [{"field": "transactions", "direction": "desc"}]}, "order_by[0]")
    assert example["order_by"] == [{"name": "transactions", "descending": True}]
    example, result = refused(demo, "query", {
        "metrics": ["transactions"], "group_by": ["customer__customer_country"],
        "where": "customer__customer_country = 'US'"}, "where")
    assert example["where"] == "{{ Dimension('customer__customer_country') }} = 'US'"
    assert rows_of(result) == [["US", 14]]
    example, _ = refused(demo, "query", {"metrics": ["transactions"],
                                         "start_time": "last 7 days"}, "start_time")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example["start_time"])


# --- the shop project -------------------------------------------------------

def test_shop_calls(shop):
    top = served(shop, "query_metrics", {
        "metrics": ["revenue"], "group_by": [{"name": "customer__city", "type": "dimension"}],
        "order_by": [{"name": "revenue", "descending": True}], "limit": 3})
    revenue = [row[1] for row in rows_of(top)]
    assert len(revenue) == 3 and revenue == sorted(revenue, reverse=True)
    statuses = served(shop, "get_dimension_values", {"dimension": "order__status"})
    assert statuses.structuredContent["values"]
    weekly = served(shop, "query", {
        "metrics": ["orders"],
        "group_by": [{"name": "metric_time", "grain": "week", "type": "time_dimension"}]})
    assert weekly.structuredContent["columns"][0]["name"] == "metric_time__week"
    assert {e["name"] for e in served(shop, "list_entities", {}).structuredContent[
        "entities"]} == {"customer", "order"}
    example, _ = refused(shop, "query", {"metrics": ["revenu"]}, "metrics[0]")
    assert example == {"metrics": ["revenue"]}
    example, _ = refused(shop, "query", {
        "metrics": ["revenue"], "where": "customer__segment = 'enterprise'"}, "where")
    assert "{{ Dimension('customer__segment') }}" in example["where"]
    refused(shop, "query", {"metrics": ["orders"], "group_by": ["city"]}, "group_by[0]")
