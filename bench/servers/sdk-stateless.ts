import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod/v4';
import { verifierFromEnv } from '../lib/auth.js';
import { announce, exitOnSignal, readJson, safe } from '../lib/serve.js';

/**
 * The SDK v1 documented stateless pattern on node:http: per request a new McpServer with the tool registered
 * and a new StreamableHTTPServerTransport (no session id, JSON responses), connect, handleRequest.
 * (zod is the SDK's own dependency; its documented examples declare tool inputs with it.)
 */
const verify = await verifierFromEnv();

function buildServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  return server;
}

const http = createServer(
  safe(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/mcp') return void res.writeHead(404).end();
    if (verify && !(await verify(req.headers.authorization))) return void res.writeHead(401).end();
    const body = await readJson(req);
    if (body === undefined) return void res.writeHead(400).end();
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }),
);

exitOnSignal();
http.listen(0, '127.0.0.1', () => announce(http));
