import type { INestApplication } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import type { McpTestIssuer, McpTestTokenOptions } from './mcp-test.issuer.js';
import { McpTestingMessages } from './mcp-testing.messages.js';

export interface McpTestClientOptions {
  /** A bearer token to send. */
  token?: string;
  /** The issuer that mints the token for `principal`. */
  issuer?: McpTestIssuer;
  /** Who the client is: a token is minted for it by `issuer`. */
  principal?: McpTestTokenOptions;
  /** The MCP endpoint path, global prefix included. Default: the module's `http.path`. */
  path?: string;
  /** More request headers (e.g. `Origin`). */
  headers?: Record<string, string>;
  /** The client's name in `initialize`. Default `mcp-test-client`. */
  name?: string;
}

/** A connected SDK client; `close()` ends its session. The app stays yours to close. */
export interface McpTestConnection {
  readonly client: Client;
  /** The endpoint it is connected to. */
  readonly url: URL;
  close(): Promise<void>;
}

/**
 * Connects the official MCP SDK client (Streamable HTTP) to a Nest app: one that listens already, or one it starts
 * listening on 127.0.0.1 (port 0); or to an endpoint URL. No test-runner API is used: node:test, Jest and Vitest alike.
 * @example
 * ```ts
 * const { client, close } = await connectMcpTestClient(app, { issuer, principal: { sub: 'alice', scopes: ['notes:read'] } });
 * const result = await client.callTool({ name: 'list-notes', arguments: {} });
 * await close();
 * ```
 */
export async function connectMcpTestClient(target: INestApplication | URL | string, options: McpTestClientOptions = {}): Promise<McpTestConnection> {
  const token = await tokenFor(options);
  const url = typeof target === 'string' || target instanceof URL ? new URL(target) : await endpointOf(target, options.path);
  // Loaded on first use: the runner and the issuer need none of the SDK client.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const headers = { ...options.headers, ...(token !== undefined && { authorization: `Bearer ${token}` }) };
  const client = new Client({ name: options.name ?? 'mcp-test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  await client.connect(transport);
  const close = async () => {
    // Stateful servers: DELETE the session (a no-op without one); a server already gone has nothing left to end.
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  };
  return { client, url, close };
}

async function tokenFor(options: McpTestClientOptions): Promise<string | undefined> {
  if (options.principal !== undefined || options.issuer !== undefined) {
    if (options.token !== undefined) throw new Error(McpTestingMessages.clientCredentials());
    if (!options.issuer || !options.principal) throw new Error(McpTestingMessages.clientPrincipalWithoutIssuer());
    return options.issuer.mint(options.principal);
  }
  return options.token;
}

async function endpointOf(app: INestApplication, path: string | undefined): Promise<URL> {
  if (path === undefined) {
    const http = app.get<McpResolvedOptions>(MCP_RESOLVED_OPTIONS, { strict: false }).http;
    if (!http) throw new Error(McpTestingMessages.clientWithoutRoute());
    path = http.path;
  }
  const server = app.getHttpServer() as { address(): { address: string; port: number } | string | null };
  let address = server.address();
  if (address === null) {
    await app.listen(0, '127.0.0.1');
    address = server.address();
  }
  if (address === null || typeof address === 'string') throw new Error(McpTestingMessages.clientOnPipe());
  // An app bound to every interface is reached on loopback.
  const host = ['0.0.0.0', '::', '127.0.0.1'].includes(address.address) ? '127.0.0.1' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return new URL(path, `http://${host}:${address.port}`);
}
