import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage, McpRequestState } from './mcp-request-state.js';

/** A request answered by the direct router: its abort signal, made only when a handler asks for it. */
export class McpDirectRequest {
  private controller?: AbortController;
  private cancelled?: string;
  private watcher?: () => void;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled !== undefined) this.controller.abort(this.cancelled);
      const watcher = this.watcher;
      this.watcher = undefined;
      watcher?.();
    }
    return this.controller.signal;
  }

  /** Calls `watch` once the handler asks for its abort signal (at once if it has): only then can it be aborted. */
  onSignal(watch: () => void): void {
    if (this.controller) watch();
    else this.watcher = watch;
  }

  abort(reason: string): void {
    this.cancelled = reason;
    this.controller?.abort(reason);
  }
}

interface Inflight {
  readonly state: McpRequestState;
  readonly done: (response: JsonRpcMessage | undefined) => void;
  readonly notify?: (message: JsonRpcMessage) => void;
  /** Requests answered by the direct router: aborted here rather than through the SDK. */
  direct?: McpDirectRequest;
}

export interface McpDispatched {
  /** The unique id the protocol layer knows the request by. */
  readonly internalId: number;
  /** The response with the client's id restored; undefined when the request was cancelled. */
  readonly response: Promise<JsonRpcMessage | undefined>;
  /** Set when the direct router answers the request (not the SDK Server). */
  readonly direct?: McpDirectRequest;
}

/** Answers the hot methods without the SDK `Server` (see McpProtocol); undefined leaves a request to the SDK. */
export type McpDirectRouter = (
  message: JsonRpcMessage,
  state: McpRequestState,
  notify: ((message: JsonRpcMessage) => void) | undefined,
  direct: McpDirectRequest,
) => Promise<JsonRpcMessage> | undefined;

/**
 * Feeds requests from many HTTP exchanges into one long-lived SDK `Server` (built once at bootstrap rather
 * than per request). Each request gets a unique internal id; responses and request-related notifications are
 * routed back to the exchange that sent it, with the client's own id restored. Methods the direct router knows
 * skip the SDK's per-request work entirely.
 */
export class McpMultiplexTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  router?: McpDirectRouter;

  private nextId = 0;
  private readonly inflight = new Map<number, Inflight>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.cancelAll('server shutting down');
    this.onclose?.();
  }

  cancelAll(reason: string): void {
    for (const id of [...this.inflight.keys()]) this.cancel(id, reason);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('id' in message && ('result' in message || 'error' in message)) {
      const id = message.id as number;
      const entry = this.inflight.get(id);
      if (!entry) return;
      this.inflight.delete(id);
      entry.done({ ...message, id: entry.state.originalId ?? null } as JsonRpcMessage);
      return;
    }
    const related = options?.relatedRequestId;
    if (related !== undefined) this.inflight.get(related as number)?.notify?.(message as JsonRpcMessage);
    // Server-initiated messages unrelated to a request are sent by the HTTP layer per session, not from here.
  }

  dispatch(message: JsonRpcMessage, state: McpRequestState, notify?: (message: JsonRpcMessage) => void): McpDispatched {
    const internalId = ++this.nextId;
    let entry!: Inflight;
    const response = new Promise<JsonRpcMessage | undefined>((done) => {
      entry = { state, done, notify };
    });
    this.inflight.set(internalId, entry);
    const direct = new McpDirectRequest();
    const routed = this.router?.(message, state, notify, direct);
    if (routed) {
      entry.direct = direct;
      void routed.then((reply) => {
        if (this.inflight.get(internalId) !== entry) return; // cancelled meanwhile
        this.inflight.delete(internalId);
        entry.done(reply);
      });
    } else {
      this.onmessage?.({ ...message, id: internalId } as JSONRPCMessage);
    }
    return { internalId, response, direct: entry.direct };
  }

  /** Delivers a client notification (after the HTTP layer has mapped any request ids it carries). */
  notify(message: JsonRpcMessage): void {
    this.onmessage?.(message as JSONRPCMessage);
  }

  stateOf(internalId: unknown): McpRequestState | undefined {
    return this.inflight.get(internalId as number)?.state;
  }

  /** Aborts a request's handler (its `signal` fires) and settles it without a response. */
  cancel(internalId: number, reason: string): void {
    const entry = this.inflight.get(internalId);
    if (!entry) return;
    this.inflight.delete(internalId);
    if (entry.direct) entry.direct.abort(reason);
    else this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: internalId, reason } });
    entry.done(undefined);
  }

  get pending(): number {
    return this.inflight.size;
  }
}
