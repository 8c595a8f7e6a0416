import { McpToolError } from '../execution/mcp-tool.error.js';
import type { JsonRpcMessage } from './mcp-request-state.js';

/**
 * Requests a 2025 connection's handlers sent the client (elicitation, sampling), awaiting its answers. Ids are the
 * connection's own (`s-1`, `s-2`, …): an answer is taken only for an id sent here and not yet answered.
 */
export class McpClientAsks {
  private readonly waiting = new Map<string, { resolve(value: unknown): void; reject(error: Error): void }>();
  private sent = 0;

  /** Sends the request with `send` and resolves with the client's result (rejects on its error, or on `signal`). */
  ask(method: string, params: Readonly<Record<string, unknown>>, signal: AbortSignal, send: (message: JsonRpcMessage) => void): Promise<unknown> {
    const id = `s-${++this.sent}`;
    return new Promise((resolve, reject) => {
      const abort = () => {
        if (this.waiting.delete(id)) reject(new Error('request cancelled'));
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      const done = () => signal.removeEventListener('abort', abort);
      this.waiting.set(id, {
        resolve: (value) => (done(), resolve(value)),
        reject: (error) => (done(), reject(error)),
      });
      send({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** The client's answer (a JSON-RPC response); one for no request of this connection is ignored. */
  answer(message: JsonRpcMessage): void {
    const id = message.id;
    const waiting = typeof id === 'string' ? this.waiting.get(id) : undefined;
    if (!waiting) return;
    this.waiting.delete(id as string);
    const error = message.error as { message?: unknown } | undefined;
    if (error) waiting.reject(new McpToolError(`The client refused the request: ${typeof error.message === 'string' ? error.message.slice(0, 200) : 'error'}`));
    else waiting.resolve(message.result);
  }

  /** The connection closed: every request still waiting fails. */
  rejectAll(reason: string): void {
    for (const waiting of this.waiting.values()) waiting.reject(new Error(reason));
    this.waiting.clear();
  }
}
