"""Latency of tool calls through the stdio gateway, with the MCP Python client.

Starts bazel-bin/gateway/mfgate on a dbt project (as a user would, with only
DBT_PROJECT_DIR and DBT_PROFILES_DIR), warms it up, then times N calls of each
kind and prints p50/p90/p99 in milliseconds. Run with `make bench-stdio`.
"""

import argparse
import asyncio
import os
import pathlib
import statistics
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from layout import REPO
from systems import percentile

CALLS = {
    "list_metrics": {},
    "query (transactions by metric_time__day)": {
        "_tool": "query",
        "metrics": ["transactions"], "group_by": ["metric_time__day"],
        "order": ["metric_time__day"], "limit": 100},
}


async def measure(project, count):
    env = dict(os.environ, DBT_PROJECT_DIR=project, DBT_PROFILES_DIR=project)
    params = StdioServerParameters(command=str(REPO / "bazel-bin/gateway/mfgate"), env=env)
    started = time.perf_counter()
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.call_tool("list_metrics", {})
            cold = time.perf_counter() - started
            print(f"cold start (process start -> first list_metrics answer): {cold * 1000:.0f} ms")
            print(f"{'call':45} {'p50':>8} {'p90':>8} {'p99':>8}  (ms, {count} calls)")
            for label, arguments in CALLS.items():
                arguments = dict(arguments)
                tool = arguments.pop("_tool", label)
                samples = []
                for _ in range(count):
                    begin = time.perf_counter()
                    result = await session.call_tool(tool, arguments)
                    samples.append((time.perf_counter() - begin) * 1000)
                    assert not result.isError, result.content[0].text
                print(f"{label:45} {statistics.median(samples):8.2f} "
                      f"{percentile(samples, 0.9):8.2f} {percentile(samples, 0.99):8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(measure(str(pathlib.Path(args.project_dir).resolve()), args.calls))


if __name__ == "__main__":
    main()
