"""The response budget, the tools a tenant chooses and its query bounds,
through the official MCP Python client against the real gateway and worker
on the demo project (and, for the query deadline, a slow one)."""

import json
import time

import pytest
from mcp.shared.exceptions import McpError

from harness import McpSession, demo_project, gateway_env

DAILY = {"metrics": ["transactions", "transaction_amount"],
         "group_by": ["metric_time__day", "customer__customer_country"],
         "limit": 1000}


def chars(result):
    """What a model meets: the text and structuredContent, as characters."""
    structured = json.dumps(result.structuredContent, separators=(",", ":"),
                            ensure_ascii=False)
    return len(result.content[0].text) + len(structured)


def test_a_long_result_is_cut_to_the_budget_and_paged(demo):
    whole = demo.call("query", DAILY)
    assert not whole.isError, whole.content[0].text
    every_row = whole.structuredContent["rows"]
    assert whole.structuredContent["truncated"] is False
    assert len(every_row) > 30
    pages, rows, cursor = 0, [], None
    while True:
        arguments = dict(DAILY, max_response_chars=2500)
        if cursor:
            arguments["cursor"] = cursor
        page = demo.call("query", arguments)
        assert not page.isError, page.content[0].text
        data = page.structuredContent
        budget = data["budget"]
        # Stated in characters and tokens, and true to within the JSON
        # spelling of numbers.
        assert budget["max_chars"] == 2500
        assert budget["used_chars"] <= 2500
        assert abs(chars(page) - budget["used_chars"]) <= 0.02 * budget["used_chars"]
        assert budget["approx_tokens"] == (budget["used_chars"] + 3) // 4
        assert f"~{budget['approx_tokens']:,} tokens" in page.content[0].text
        assert data["total"] == len(every_row)
        assert data["row_count"] == len(data["rows"])
        rows += data["rows"]
        pages += 1
        cursor = data.get("next_cursor")
        if not cursor:
            assert data["truncated"] is False
            break
        assert data["truncated"] is True
        assert "coarser grain" in data["hint"]
        assert cursor in page.content[0].text
    assert pages > 2
    assert rows == every_row  # Every row once, in order.


def test_the_text_is_a_summary_and_the_page_as_a_table(demo):
    page = demo.call("query", dict(DAILY, max_response_chars=2500))
    text = page.content[0].text
    shown = page.structuredContent["rows"]
    assert text.startswith(f"rows 1-{len(shown)} of ")
    assert text.count("\n| ") == len(shown) + 2  # Header, rule, a line a row.
    # The SQL, least useful to a model, is left out first, and said so.
    assert "sql" not in page.structuredContent
    assert "sql left out" in page.structuredContent["note"]


def test_listings_drop_fields_before_items(demo):
    full = demo.call("list_metrics", {"show_all_dimensions": True})
    assert "dimensions" in full.structuredContent["metrics"][0]
    fitted = demo.call("list_metrics", {"show_all_dimensions": True,
                                        "max_response_chars": 2000})
    data = fitted.structuredContent
    assert data["budget"]["used_chars"] <= 2000
    assert len(data["metrics"]) == len(full.structuredContent["metrics"])
    assert "note" in data and "left out" in data["note"]


def test_a_cursor_is_for_its_own_call(demo):
    first = demo.call("query", dict(DAILY, max_response_chars=1000))
    cursor = first.structuredContent["next_cursor"]
    other = demo.call("query", {"metrics": ["transactions"], "cursor": cursor})
    assert other.isError
    assert other.content[0].text.startswith("cursor: belongs to a call with other")


def test_a_budget_below_the_least_is_refused_with_one_that_is_not(demo):
    result = demo.call("list_entities", {"max_response_chars": 10})
    assert result.isError
    assert '"max_response_chars":500' in result.content[0].text


@pytest.fixture(scope="module")
def chosen():
    """A single-tenant gateway with its tools, naming and bounds chosen in
    the environment, as dbt-mcp's users set them."""
    session = McpSession(gateway_env(
        demo_project(), DISABLE_TOOLS="validate_configs,health_checks_tool",
        MFGATE_TOOL_NAMING="mfgate,dbt-mcp", MFGATE_MAX_ROWS="5",
        MFGATE_RESPONSE_BUDGET_CHARS="3000"))
    yield session
    session.close()


def test_tools_a_tenant_turned_off_are_gone_from_list_and_call(chosen):
    names = {tool.name for tool in chosen.list_tools().tools}
    assert "validate_configs" not in names and "health_checks" not in names
    assert {"query", "query_metrics", "list_dimensions", "get_dimensions"} <= names
    assert len(names) == len(chosen.list_tools().tools)  # Each name once.
    for name in ("validate_configs", "health_checks_tool"):
        with pytest.raises(McpError) as error:
            chosen.call(name, {})
        assert error.value.error.code == -32602


def test_dbt_mcp_naming_shows_dbt_mcp_arguments(chosen):
    tools = {tool.name: tool for tool in chosen.list_tools().tools}
    assert "order_by" in tools["query_metrics"].inputSchema["properties"]
    assert "order" in tools["query"].inputSchema["properties"]


def test_a_tenants_row_bound_and_budget(chosen):
    tools = {tool.name: tool for tool in chosen.list_tools().tools}
    properties = tools["query"].inputSchema["properties"]
    assert properties["limit"]["maximum"] == 5
    assert properties["limit"]["default"] == 5
    assert properties["max_response_chars"]["default"] == 3000
    result = chosen.call("query", {"metrics": ["transactions"],
                                   "group_by": ["metric_time__day"]})
    assert len(result.structuredContent["rows"]) == 5  # The bound is the default.
    assert result.structuredContent["budget"]["max_chars"] == 3000
    refused = chosen.call("query", {"metrics": ["transactions"], "limit": 6})
    assert refused.isError
    assert refused.content[0].text.startswith("limit: at most 5")
    assert '"limit":5' in refused.content[0].text


@pytest.fixture(scope="module")
def bounded(slow_project):
    """A single tenant whose queries have 3 seconds (the gateway's call
    deadline stays at its default, 120 s), with a model whose full scan runs
    for minutes."""
    session = McpSession(gateway_env(slow_project, MFGATE_QUERY_TIMEOUT_SECONDS="3"))
    listed = session.call("list_metrics", {"search": "slow"})  # The engine is up.
    assert not listed.isError, listed.content[0].text
    yield session
    session.close()


def test_a_tenants_query_deadline_ends_a_long_query(bounded):
    begin = time.monotonic()
    result = bounded.call("query", {"metrics": ["slow_rows"]}, timeout=110)
    elapsed = time.monotonic() - begin
    assert result.isError
    assert "timed out" in result.content[0].text
    assert elapsed < 60, f"the query ran {elapsed:.0f} s, past its 3 s"
    # The listing tools keep their own deadline, and the tenant serves on.
    listed = bounded.call("list_metrics", {"search": "slow"})
    assert [m["name"] for m in listed.structuredContent["metrics"]] == ["slow_rows"]
