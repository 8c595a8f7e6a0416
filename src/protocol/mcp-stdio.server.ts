import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import { isNotification, isRequest, jsonRpcError } from './json-rpc.js';
import { classifyMessage } from './mcp-envelope.js';
import { McpClientAsks } from './mcp-client-asks.js';
import type { McpDispatch, McpProtocol } from './mcp-protocol.js';
import type { McpSubscriptions } from './mcp-subscriptions.js';
import type { JsonRpcMessage, McpRequestState } from './mcp-request-state.js';

export interface McpStdioConnection {
  close(): Promise<void>;
  /** Resolves when the client closes stdin or `close()` is called. */
  readonly closed: Promise<void>;
}

/**
 * Serves the method table over a stdio pair: the SDK's stdio transport frames the messages (one JSON-RPC message per
 * line); requests go through the same `McpProtocol.dispatch` as HTTP ones, every one carrying `state`.
 */
export async function connectStdio(
  protocol: McpProtocol,
  errors: McpErrorMapper,
  subscriptions: McpSubscriptions,
  state: McpRequestState,
  streams: { stdin?: Readable; stdout?: Writable } = {},
): Promise<McpStdioConnection> {
  // Loaded here, not at import: an HTTP-only app never loads the SDK (its schema module alone is ~17 MiB of RSS).
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  const inflight = new Map<string | number, McpDispatch>();
  const send = (message: JsonRpcMessage) => void transport.send(message as JSONRPCMessage).catch((error: unknown) => errors.mask(error, 'stdio write'));
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  transport.onclose = () => {
    for (const dispatch of inflight.values()) dispatch.cancel('connection closed');
    asks.rejectAll('connection closed');
    detach?.();
    resolveClosed();
  };
  transport.onerror = (error) => errors.mask(error, 'MCP stdio');
  // Requests the handlers send the client (elicitation, sampling), awaiting its answer on stdin.
  const asks = new McpClientAsks();
  const ask = (method: string, params: Readonly<Record<string, unknown>>, signal: AbortSignal) => asks.ask(method, params, signal, send);
  const connection: McpRequestState = { ...state, ask };
  // The connection is the 2025 session: it hears of list changes and of its resource subscriptions.
  const session = state.session;
  let detach: (() => void) | undefined;
  if (session) {
    session.notify ??= (message) => (send(message), true);
    detach = subscriptions.attach(session);
  }
  transport.onmessage = (raw) => {
    const message = raw as unknown as JsonRpcMessage;
    if (!('method' in message)) {
      asks.answer(message); // the client's answer to one of `ask`'s requests
      return;
    }
    if (isRequest(message)) {
      const id = message.id as string | number;
      // Each line is classified on its own: a 2026-07-28 request (its `_meta` envelope) is served statelessly beside
      // a 2025 connection's requests.
      const era = classifyMessage(message, undefined, protocol.eras);
      if (era.era === 'rejected') return send(jsonRpcError(era.code, era.message, id, era.data));
      const dispatch = protocol.dispatch(message, era.era === 'modern' ? { ...state, session: undefined, modern: era.envelope } : connection, send);
      inflight.set(id, dispatch);
      void dispatch.response.then((reply) => {
        if (inflight.get(id) === dispatch) inflight.delete(id);
        if (reply) send(reply);
      });
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const params = (message.params ?? {}) as { requestId?: string | number; reason?: string };
      if (params.requestId !== undefined) inflight.get(params.requestId)?.cancel(params.reason ?? 'cancelled by client');
    }
    // Other notifications (initialized, ...) need no answer; responses to server requests: none are sent.
  };
  const stdin = streams.stdin ?? process.stdin;
  stdin.once('end', () => void transport.close());
  await transport.start();
  return { close: () => transport.close(), closed };
}
