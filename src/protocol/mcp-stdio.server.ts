import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpRequestState } from './mcp-request-state.js';
import type { McpProtocol } from './mcp-protocol.js';

export interface McpStdioConnection {
  close(): Promise<void>;
  /** Resolves when the client closes stdin or `close()` is called. */
  readonly closed: Promise<void>;
}

/** Serves the registry over a stdio pair with a protocol server of its own; every request carries `state`. */
export async function connectStdio(
  protocol: McpProtocol,
  state: Omit<McpRequestState, 'originalId'>,
  streams: { stdin?: Readable; stdout?: Writable } = {},
): Promise<McpStdioConnection> {
  const server = protocol.createServer((extra) => ({ ...state, originalId: extra.requestId }));
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  server.onclose = () => resolveClosed();
  const stdin = streams.stdin ?? process.stdin;
  stdin.once('end', () => void server.close());
  await server.connect(transport);
  return { close: () => server.close(), closed };
}
