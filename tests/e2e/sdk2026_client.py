"""Drives mfgate with the official MCP Python SDK of the 2026 era (mcp 2.x,
pinned in tools/python-requirements-mcp2026.txt; run by .venv-mcp2026's
Python, see test_sdk2026_clients.py) in mode 2026-07-28: no initialize,
every request carries its revision. Prints one JSON line of what it saw.

usage: sdk2026_client.py stdio GATEWAY | http URL KEY"""

import asyncio
import json
import os
import sys

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

MODE = "2026-07-28"


def text_of(result):
    return "".join(getattr(block, "text", "") for block in result.content)


async def main(argv):
    if argv[0] == "stdio":
        server = StdioServerParameters(command=argv[1], env=dict(os.environ))
    else:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {argv[2]}"},
                                  timeout=120)
        server = streamable_http_client(argv[1], http_client=http)
    async with Client(server, mode=MODE, read_timeout_seconds=120) as client:
        tools = await client.list_tools()
        metrics = await client.call_tool("list_metrics", {})
        query = await client.call_tool("query", {
            "metrics": ["transactions"],
            "group_by": ["customer__customer_country"],
            "order": ["customer__customer_country"]})
        print(json.dumps({
            "version": client.protocol_version,
            "tools": [tool.name for tool in tools.tools],
            "metricsIsError": bool(metrics.is_error),
            "metrics": text_of(metrics),
            "queryIsError": bool(query.is_error),
            "rows": (query.structured_content or {}).get("rows"),
        }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
