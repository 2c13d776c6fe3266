"""`make demo`: the gateway in local dev mode on the demo project, driven by
the official MCP Python client over stdio.

Starts bazel-bin/gateway/mfgate with only DBT_PROJECT_DIR and DBT_PROFILES_DIR
set (the gateway spawns its worker, which loads MetricFlow once), then shows
the tool list, list_metrics and one real query, and prints the Claude Desktop
configuration that runs the same gateway.
"""

import argparse
import asyncio
import json
import os
import pathlib
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = pathlib.Path(__file__).resolve().parents[1]
GATEWAY = REPO / "bazel-bin" / "gateway" / "mfgate"


def heading(text):
    print(f"\n\033[1m== {text}\033[0m")


async def demo(project_dir):
    env = dict(os.environ, DBT_PROJECT_DIR=project_dir, DBT_PROFILES_DIR=project_dir)
    params = StdioServerParameters(command=str(GATEWAY), env=env)
    started = time.monotonic()
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            heading(f"Connected to {init.serverInfo.name} {init.serverInfo.version} "
                    f"(MCP {init.protocolVersion})")
            tools = await session.list_tools()
            heading(f"{len(tools.tools)} tools")
            for tool in tools.tools:
                print(f"  {tool.name:24} {tool.description.splitlines()[0]}")

            heading("list_metrics")
            result = await session.call_tool("list_metrics", {})
            print(result.content[0].text)
            print(f"(first answer {time.monotonic() - started:.1f} s after start, "
                  "including MetricFlow's one-time load)")

            arguments = {"metrics": ["transactions", "transaction_amount"],
                         "group_by": ["metric_time__month", "customer__customer_country"],
                         "order": ["metric_time__month", "customer__customer_country"],
                         "limit": 12}
            heading("query " + json.dumps(arguments))
            begin = time.monotonic()
            result = await session.call_tool("query", arguments)
            print(result.content[0].text)
            print(f"({(time.monotonic() - begin) * 1000:.0f} ms through "
                  "gateway -> gRPC -> worker -> MetricFlow -> DuckDB)")
            if result.isError:
                raise SystemExit("the demo query failed")

    heading("Claude Desktop (claude_desktop_config.json)")
    print(json.dumps({"mcpServers": {"metricflow": {
        "command": str(GATEWAY),
        "env": {"DBT_PROJECT_DIR": project_dir, "DBT_PROFILES_DIR": project_dir}}}},
        indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", required=True)
    args = parser.parse_args()
    asyncio.run(demo(str(pathlib.Path(args.project_dir).resolve())))


if __name__ == "__main__":
    main()
