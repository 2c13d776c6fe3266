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
console.log(
  JSON.stringify({
    server: client.getServerVersion()?.name,
    tools: tools.tools.map((t) => t.name),
    metrics: metrics.structuredContent.metrics.map((m) => m.name),
    rows: query.structuredContent.rows,
    unknownIsError: unknown.isError === true,
    unknownText: unknown.content[0].text,
  }),
);
await client.close();
