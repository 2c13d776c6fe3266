"""End to end over stdio with the official MCP Python client:
client -> mfgate -> gRPC -> mfgate-worker -> MetricFlow -> DuckDB."""

import json
import os
import signal

import pytest
from mcp.shared.exceptions import McpError

from conftest import run_mf_query
from harness import McpSession, demo_project, gateway_env

TOOLS = {"query", "list_metrics", "list_dimensions", "list_entities",
         "list_dimension_values", "validate_configs", "health_checks",
         "list_saved_queries", "compile_sql"}


def normalize(value):
    """A cell as comparable text: numbers rounded, dates without time."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    try:
        return f"{float(value):.6f}"
    except (TypeError, ValueError):
        text = str(value)
        if len(text) >= 19 and text[4] == "-" and text[10] in "T ":
            return text[:10] if text[11:19] == "00:00:00" else text[:19].replace("T", " ")
        return text


def structured_rows(result):
    assert not result.isError, result.content[0].text
    data = result.structuredContent
    header = [column["name"] for column in data["columns"]]
    return [header] + [[normalize(v) for v in row] for row in data["rows"]]


def csv_rows(rows):
    return [rows[0]] + [[normalize(v) for v in row] for row in rows[1:]]


def test_server_identifies_itself(demo):
    assert demo.initialize_result.serverInfo.name == "mfgate"
    assert demo.initialize_result.protocolVersion == "2025-11-25" or \
        demo.initialize_result.protocolVersion.startswith("2025-")


def test_tools_are_listed_with_schemas_and_annotations(demo):
    tools = {tool.name: tool for tool in demo.list_tools().tools}
    assert TOOLS <= set(tools)
    for tool in tools.values():
        assert tool.inputSchema["type"] == "object"
        assert tool.outputSchema["type"] == "object"
        assert tool.annotations.readOnlyHint is True
        assert "metric_time" in tools["query"].description


def test_list_metrics(demo):
    result = demo.call("list_metrics")
    assert not result.isError
    names = {m["name"] for m in result.structuredContent["metrics"]}
    assert {"transactions", "cancellations"} <= names
    assert "transactions" in result.content[0].text
    filtered = demo.call("list_metrics", {"search": "cancel"})
    assert {m["name"] for m in filtered.structuredContent["metrics"]} == \
        {n for n in names if "cancel" in n}
    # A search that matches nothing is an empty list, not an engine error.
    nothing = demo.call("list_metrics", {"search": "no_metric_is_named_this"})
    assert not nothing.isError, nothing.content[0].text
    assert nothing.structuredContent["metrics"] == []


def test_list_dimensions_entities_and_values(demo):
    dims = demo.call("list_dimensions", {"metrics": ["transactions"]})
    assert {"customer__customer_country", "metric_time"} <= \
        {d["name"] for d in dims.structuredContent["dimensions"]}
    entities = demo.call("list_entities", {"metrics": ["transactions"]})
    assert "customer" in {e["name"] for e in entities.structuredContent["entities"]}
    values = demo.call("list_dimension_values", {
        "dimension": "customer__customer_country", "metrics": ["transactions"]})
    assert not values.isError, values.content[0].text
    assert set(values.structuredContent["values"]) == {"CA", "FR", "MX", "US"}


def test_saved_queries_validation_and_health(demo):
    saved = demo.call("list_saved_queries")
    assert "core_transaction_metrics" in \
        {q["name"] for q in saved.structuredContent["saved_queries"]}
    validation = demo.call("validate_configs", {"skip_dw": True})
    assert not validation.isError, validation.content[0].text
    health = demo.call("health_checks")
    assert not health.isError, health.content[0].text


def test_query_rows_equal_mf_query(demo, tmp_path):
    result = demo.call("query", {"metrics": ["transactions"],
                                 "group_by": ["metric_time__day"],
                                 "order": ["metric_time__day"], "limit": 20})
    expected = run_mf_query(demo_project(), [
        "--metrics", "transactions", "--group-by", "metric_time__day",
        "--order", "metric_time__day", "--limit", "20"], tmp_path)
    assert structured_rows(result) == csv_rows(expected)
    assert "|" in result.content[0].text  # The readable table.


def test_heavier_query_equals_mf_query(demo, tmp_path):
    where = "{{ Dimension('customer__customer_country') }} IN ('US', 'MX', 'FR')"
    result = demo.call("query", {
        "metrics": ["transactions", "transaction_amount"],
        "group_by": ["metric_time__month", "customer__customer_country"],
        "where": where, "order": ["-transaction_amount"], "limit": 7})
    expected = run_mf_query(demo_project(), [
        "--metrics", "transactions,transaction_amount",
        "--group-by", "metric_time__month,customer__customer_country",
        "--where", where, "--order", "-transaction_amount", "--limit", "7"],
        tmp_path)
    assert structured_rows(result) == csv_rows(expected)


def test_compile_sql_returns_sql_without_rows(demo):
    result = demo.call("compile_sql", {"metrics": ["transactions"],
                                       "group_by": ["metric_time__week"]})
    assert not result.isError, result.content[0].text
    assert "SELECT" in result.structuredContent["sql"].upper()
    assert result.structuredContent["rows"] == []


def test_unknown_metric_carries_metricflow_suggestion(demo):
    result = demo.call("query", {"metrics": ["transaction"]})
    assert result.isError
    assert "transactions" in result.content[0].text


def test_wrong_argument_types_are_tool_errors(demo):
    result = demo.call("query", {"metrics": ["transactions"], "limit": "ten"})
    assert result.isError
    assert "limit" in result.content[0].text
    result = demo.call("list_dimensions", {"metrics": [1, 2]})
    assert result.isError
    assert "metrics" in result.content[0].text


def test_unknown_tool_is_a_protocol_error(demo):
    with pytest.raises(McpError) as error:
        demo.call("drop_tables", {})
    assert error.value.error.code == -32602
    assert "drop_tables" in error.value.error.message


def test_injection_in_where_is_refused(demo):
    result = demo.call("query", {
        "metrics": ["transactions"],
        "where": "1=1 OR EXISTS (SELECT * FROM read_csv('/etc/passwd'))"})
    assert result.isError
    assert "where" in result.content[0].text


def engine_pids(project):
    """Engine host processes serving `project`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"mf_host.py") for a in argv) and \
                str(project).encode() in b" ".join(argv):
            pids.append(int(entry))
    return pids


def test_killed_engine_is_restarted_and_next_call_answered(demo):
    assert not demo.call("list_metrics").isError
    pids = engine_pids(os.path.realpath(demo_project()))
    assert pids, "no engine process found"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    result = demo.call("list_metrics")
    assert not result.isError, result.content[0].text
    assert set(engine_pids(os.path.realpath(demo_project()))).isdisjoint(pids)


def test_second_project_served_with_only_dbt_env_vars(shop_project, tmp_path):
    shop = McpSession(gateway_env(shop_project))
    try:
        names = {m["name"] for m in
                 shop.call("list_metrics").structuredContent["metrics"]}
        assert {"revenue", "orders", "buyers"} <= names
        assert "transactions" not in names
        result = shop.call("query", {"metrics": ["revenue", "orders"],
                                     "group_by": ["customer__city"],
                                     "order": ["customer__city"]})
        expected = run_mf_query(shop_project, [
            "--metrics", "revenue,orders", "--group-by", "customer__city",
            "--order", "customer__city"], tmp_path)
        assert structured_rows(result) == csv_rows(expected)
    finally:
        shop.close()


def test_semantic_layer_as_resources_prompts_and_completions(demo):
    from pydantic import AnyUrl
    resources = demo.run(lambda s: s.list_resources())
    uris = {str(r.uri) for r in resources.resources}
    assert "metricflow://metric/transactions" in uris
    assert "metricflow://saved-query/core_transaction_metrics" in uris
    assert "metricflow://semantic-model/transactions" in uris
    model = json.loads(demo.run(lambda s: s.read_resource(
        AnyUrl("metricflow://semantic-model/transactions"))).contents[0].text)
    assert "transaction_amount_usd" in model["measures"]
    assert "customer" in model["entities"]
    read = demo.run(lambda s: s.read_resource(AnyUrl("metricflow://metric/transactions")))
    definition = json.loads(read.contents[0].text)
    assert definition["type"] == "SIMPLE"
    assert "customer__customer_country" in {d["name"] for d in definition["dimensions"]}
    with pytest.raises(McpError):
        demo.run(lambda s: s.read_resource(AnyUrl("metricflow://metric/nope")))
    prompts = demo.run(lambda s: s.list_prompts())
    assert {"explore_metric", "compare_periods"} <= {p.name for p in prompts.prompts}
    prompt = demo.run(lambda s: s.get_prompt("compare_periods",
                                             {"metric": "transactions", "grain": "week"}))
    assert "metric_time__week" in prompt.messages[0].content.text
    from mcp.types import PromptReference
    completion = demo.run(lambda s: s.complete(PromptReference(type="ref/prompt",
                                                               name="explore_metric"),
                                               {"name": "metric", "value": "cancel"}))
    assert set(completion.completion.values) == {"cancellation_rate", "cancellations",
                                                 "cancellations_mx"}


def test_calls_with_a_progress_token_report_progress(demo):
    seen = []

    async def call(session):
        async def on_progress(progress, total, message):
            seen.append((progress, total, message))
        # A call the worker answers (a kept metadata answer the gateway
        # serves itself is immediate and reports nothing).
        return await session.call_tool(
            "compile_sql", {"metrics": ["transactions"], "group_by": ["metric_time__day"]},
            progress_callback=on_progress)

    assert not demo.run(call).isError
    assert [p for p, _, _ in seen] == [0, 1]
    assert seen[-1][2] == "done"
