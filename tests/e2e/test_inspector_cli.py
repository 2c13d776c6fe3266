"""The MCP Inspector's CLI (@modelcontextprotocol/inspector, pinned below)
against the real gateway, in both protocol eras, over stdio and Streamable
HTTP: connect, list tools (with --strict's schema portability report) and
call one; --strict's linter must find nothing to report. Needs Node 22,
which npx fetches from the npm registry."""

import json
import os
import subprocess

import pytest

from conftest import HTTP_KEY as KEY
from harness import GATEWAY, demo_project, gateway_env

NODE = "node@22.12.0"
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
ERAS = {"modern": "2026-07-28", "legacy": "2025-11-25"}


@pytest.fixture(scope="module")
def config(keyed_http, tmp_path_factory):
    """An Inspector config naming the gateway per transport and era."""
    project = str(demo_project())
    servers = {}
    for era in ERAS:
        servers[f"stdio-{era}"] = {
            "command": str(GATEWAY), "args": [], "protocolEra": era,
            "env": {"DBT_PROJECT_DIR": project, "DBT_PROFILES_DIR": project}}
        servers[f"http-{era}"] = {
            "type": "streamable-http", "url": keyed_http.url + "/mcp", "protocolEra": era,
            "headers": {"Authorization": f"Bearer {KEY}"}}
    path = tmp_path_factory.mktemp("inspector") / "mcp.json"
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def run_inspector(config, server, *args):
    """The Inspector's exit, stdout and stderr, once it exited 0."""
    done = subprocess.run(
        ["npx", "-y", "-p", NODE, "-p", INSPECTOR, "--", "mcp-inspector", "--cli",
         "--config", str(config), "--server", server, "--format", "json", *args],
        capture_output=True, text=True, timeout=300, cwd=config.parent,
        env=dict(os.environ, npm_config_update_notifier="false",
                 MCP_INSPECTOR_SECRET_STORE="memory"))
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done


def inspector(config, server, *args):
    return json.loads(run_inspector(config, server, *args).stdout)


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("era", list(ERAS))
def test_inspector_lists_and_calls(config, transport, era):
    server = f"{transport}-{era}"
    opened = inspector(config, server, "--method", "initialize")["result"]
    assert opened["protocolVersion"] == ERAS[era]
    assert opened["serverInfo"]["name"] == "mfgate"
    listed = inspector(config, server, "--method", "tools/list", "--strict")
    assert "list_metrics" in [tool["name"] for tool in listed["result"]["tools"]]
    called = inspector(config, server, "--method", "tools/call",
                       "--tool-name", "list_metrics")["result"]
    assert not called.get("isError"), called
    assert "revenue" in json.dumps(called)


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("era", list(ERAS))
def test_inspector_strict_reports_nothing(config, transport, era):
    """--strict lints every inputSchema and outputSchema: no error and no
    warning either (it exits 0 on warnings alone, such as a `type` array)."""
    done = run_inspector(config, f"{transport}-{era}", "--method", "tools/list", "--strict")
    listed = json.loads(done.stdout)
    assert len(listed["result"]["tools"]) >= 8
    assert "schemaFindings" not in listed, json.dumps(listed["schemaFindings"], indent=1)
    reported = [line for line in done.stderr.splitlines()
                if line.startswith(("Warning:", "Error:", "Schema portability"))]
    assert reported == [], done.stderr[-3000:]
