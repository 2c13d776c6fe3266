// Drives mfgate with the 2026-era official MCP TypeScript client
// (@modelcontextprotocol/client, pinned in package-lock.json), pinned to
// protocol 2026-07-28 (no initialize: every request carries its revision).
// Prints one JSON line of what it saw (tests/e2e/test_sdk2026_clients.py).
//
// usage: node client.mjs stdio GATEWAY | http URL KEY
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const [mode, target, key] = process.argv.slice(2);
const transport =
  mode === "stdio"
    ? new StdioClientTransport({ command: target, args: [], env: process.env, stderr: "inherit" })
    : new StreamableHTTPClientTransport(new URL(target), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      });
const client = new Client(
  { name: "mfgate-ts-client2026", version: "1.0.0" },
  { versionNegotiation: { mode: { pin: "2026-07-28" } } },
);
await client.connect(transport);
const text = (result) => result.content.map((block) => block.text ?? "").join("");
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
console.log(
  JSON.stringify({
    version: client.getNegotiatedProtocolVersion(),
    tools: tools.tools.map((tool) => tool.name),
    metricsIsError: Boolean(metrics.isError),
    metrics: text(metrics),
    queryIsError: Boolean(query.isError),
    rows: query.structuredContent?.rows ?? null,
  }),
);
await client.close();
