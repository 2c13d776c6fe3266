// Drives mfgate with the official MCP TypeScript SDK client over one
// transport and prints what it saw as one JSON line:
//   node client.mjs stdio GATEWAY_PATH          (env: DBT_PROJECT_DIR, ...)
//   node client.mjs sse|http URL [API_KEY]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [kind, target, key] = process.argv.slice(2);
const headers = key ? { Authorization: `Bearer ${key}` } : {};
const transport =
  kind === "stdio"
    ? new StdioClientTransport({ command: target, env: process.env, stderr: "ignore" })
    : kind === "sse"
      ? new SSEClientTransport(new URL(target), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        })
      : new StreamableHTTPClientTransport(new URL(target), { requestInit: { headers } });

const client = new Client({ name: "mfgate-ts-test", version: "1.0.0" });
await client.connect(transport);
const tools = await client.listTools();
const metrics = await client.callTool({ name: "list_metrics", arguments: {} });
const query = await client.callTool({
  name: "query",
  arguments: {
    metrics: ["transactions"],
    group_by: ["customer__customer_country"],
    order: ["customer__customer_country"],
  },
});
const unknown = await client.callTool({ name: "query", arguments: { metrics: ["transaction"] } });
// dbt-mcp's tool name and typed objects.
const typed = await client.callTool({
  name: "query_metrics",
  arguments: {
    metrics: ["transactions"],
    group_by: [{ name: "customer__customer_country", type: "dimension" }],
    order_by: [{ name: "transactions", descending: true }],
    limit: 2,
  },
});
// A result over its budget, and its next page (the SDK checks each against
// the tool's outputSchema).
const daily = { metrics: ["transactions"], group_by: ["metric_time__day"], limit: 1000 };
const first = await client.callTool({
  name: "query",
  arguments: { ...daily, max_response_chars: 1500 },
});
const second = await client.callTool({
  name: "query",
  arguments: { ...daily, max_response_chars: 1500, cursor: first.structuredContent.next_cursor },
});
const relative = await client.callTool({
  name: "query",
  arguments: { metrics: ["transactions"], start_time: "last 7 days" },
});
const entities = await client.callTool({ name: "list_entities", arguments: {} });
console.log(
  JSON.stringify({
    server: client.getServerVersion()?.name,
    tools: tools.tools.map((t) => t.name),
    metrics: metrics.structuredContent.metrics.map((m) => m.name),
    rows: query.structuredContent.rows,
    unknownIsError: unknown.isError === true,
    unknownText: unknown.content[0].text,
    typedRows: typed.structuredContent.rows,
    firstPage: {
      truncated: first.structuredContent.truncated,
      rows: first.structuredContent.rows.length,
      total: first.structuredContent.total,
      used: first.structuredContent.budget.used_chars,
    },
    secondPage: { offset: second.structuredContent.offset, rows: second.structuredContent.rows.length },
    relativeIsError: relative.isError === true,
    relativeText: relative.content[0].text,
    entities: entities.structuredContent.entities.map((e) => e.name),
  }),
);
await client.close();
