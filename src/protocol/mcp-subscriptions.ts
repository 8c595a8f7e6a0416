import { Injectable } from '@nestjs/common';
import type { McpContext } from '../execution/mcp-context.js';
import { McpMessages } from '../mcp-auth.messages.js';
import { JsonRpcCode, McpProtocolError } from './json-rpc.errors.js';
import { McpDispatcher } from './mcp.dispatcher.js';
import { META } from './mcp-envelope.js';
import { MCP_REQUEST_STATE, MCP_SEND, type JsonRpcMessage, type McpContextInternals, type McpSessionState } from './mcp-request-state.js';

/** The lists whose changes clients can hear of. */
export type McpListKind = 'tools' | 'prompts' | 'resources';

const LIST_CHANGED: Readonly<Record<McpListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};
const FILTER_FLAGS: Readonly<Record<McpListKind, string>> = { tools: 'toolsListChanged', prompts: 'promptsListChanged', resources: 'resourcesListChanged' };

/** The most URIs one subscription (or one session) may watch. */
const MAX_URIS = 1_000;

/** A 2026-07-28 `subscriptions/listen` stream. */
interface Listener {
  readonly id: string | number;
  readonly lists: ReadonlySet<McpListKind>;
  readonly uris: ReadonlySet<string>;
  /** The listen request's context: who listens, for the read check at each delivery. */
  readonly context: McpContext;
  send(message: JsonRpcMessage): void;
  end(): void;
}

const internals = (context: McpContext) => context as unknown as McpContextInternals;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Who hears of what: 2025 sessions (every list change; `notifications/resources/updated` for the URIs they
 * subscribed to) and 2026-07-28 `subscriptions/listen` streams (what their filter opted in to). A resource update
 * reaches a subscriber only if it may read that resource at the moment it is sent — the same admission as
 * `resources/read` — so subscribing is no way around authorization, and a hidden resource cannot be subscribed to.
 */
@Injectable()
export class McpSubscriptions {
  private readonly sessions = new Set<McpSessionState>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly dispatcher: McpDispatcher) {}

  /** A 2025 session (stateful HTTP, stdio) hears of list changes and of its subscriptions; returns the detach. */
  attach(session: McpSessionState): () => void {
    this.sessions.add(session);
    return () => this.sessions.delete(session);
  }

  /** 2025 `resources/subscribe`: the caller must be able to read the resource now; answered like `resources/read` otherwise. */
  async subscribe(uri: string, context: McpContext): Promise<Record<string, never>> {
    const session = internals(context)[MCP_REQUEST_STATE].session;
    if (!session) throw new McpProtocolError(JsonRpcCode.InvalidRequest, McpMessages.subscribeNeedsSession());
    await this.dispatcher.requireReadable(uri, context);
    const subscriptions = (session.subscriptions ??= new Map());
    if (!subscriptions.has(uri) && subscriptions.size >= MAX_URIS) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.tooManySubscriptions(MAX_URIS));
    subscriptions.set(uri, context);
    return {};
  }

  /** 2025 `resources/unsubscribe`: always succeeds (unsubscribing reveals nothing). */
  unsubscribe(uri: string, context: McpContext): Record<string, never> {
    internals(context)[MCP_REQUEST_STATE].session?.subscriptions?.delete(uri);
    return {};
  }

  /**
   * 2026-07-28 `subscriptions/listen`: acknowledges with what the server honours (resource URIs the caller may not
   * read are left out, exactly as URIs that do not exist), then delivers until the client closes the stream or the
   * server shuts down (then it answers, a graceful end). Needs a transport that streams (SSE over HTTP, stdio).
   */
  async listen(params: Record<string, unknown>, context: McpContext): Promise<Record<string, unknown>> {
    const filter = params.notifications;
    if (filter !== undefined && !isObject(filter)) throw new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');
    const requested = (filter ?? {}) as Record<string, unknown>;
    const lists = new Set<McpListKind>();
    for (const kind of Object.keys(FILTER_FLAGS) as McpListKind[]) {
      const flag = requested[FILTER_FLAGS[kind]];
      if (flag !== undefined && typeof flag !== 'boolean') throw new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');
      if (flag === true && this.dispatcher.has(kind)) lists.add(kind);
    }
    const wanted = requested.resourceSubscriptions;
    if (wanted !== undefined && (!Array.isArray(wanted) || wanted.some((u) => typeof u !== 'string') || wanted.length > MAX_URIS)) {
      throw new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');
    }
    const uris = new Set<string>();
    for (const uri of (wanted ?? []) as string[]) if (await this.dispatcher.canRead(uri, context)) uris.add(uri);
    const id = context.requestId;
    const meta = { [META.subscriptionId]: id };
    const send = (message: JsonRpcMessage) => void internals(context)[MCP_SEND](message);
    const acknowledged: Record<string, unknown> = {};
    for (const kind of lists) acknowledged[FILTER_FLAGS[kind]] = true;
    if (wanted !== undefined) acknowledged.resourceSubscriptions = [...uris];
    send({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: meta, notifications: acknowledged } });
    return new Promise((resolve) => {
      const listener: Listener = {
        id,
        lists,
        uris,
        context,
        send,
        end: () => {
          this.listeners.delete(listener);
          resolve({ _meta: meta });
        },
      };
      const signal = context.signal;
      if (signal.aborted) return listener.end();
      this.listeners.add(listener);
      // The client closed the stream (or the request was cancelled): the reply is dropped, the promise must settle.
      signal.addEventListener('abort', () => listener.end(), { once: true });
    });
  }

  /** Tells every subscriber allowed to read `uri` (now) that it changed. */
  async resourceUpdated(uri: string): Promise<void> {
    const deliveries: Array<Promise<void>> = [];
    for (const listener of this.listeners) {
      if (!listener.uris.has(uri)) continue;
      deliveries.push(
        this.readable(uri, listener.context).then((ok) => {
          if (ok) listener.send({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { _meta: { [META.subscriptionId]: listener.id }, uri } });
        }),
      );
    }
    for (const session of this.sessions) {
      const context = session.subscriptions?.get(uri);
      if (!context) continue;
      deliveries.push(
        this.readable(uri, context).then((ok) => {
          if (ok) session.notify?.({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } });
        }),
      );
    }
    await Promise.all(deliveries);
  }

  /** Tells every session, and every stream that opted in, that a list changed. */
  listChanged(kind: McpListKind): void {
    const method = LIST_CHANGED[kind];
    for (const listener of this.listeners) {
      if (listener.lists.has(kind)) listener.send({ jsonrpc: '2.0', method, params: { _meta: { [META.subscriptionId]: listener.id } } });
    }
    for (const session of this.sessions) session.notify?.({ jsonrpc: '2.0', method });
  }

  /** Open `subscriptions/listen` streams. */
  get listening(): number {
    return this.listeners.size;
  }

  /** Every stream gets its graceful end (the listen request's result): called first when the server shuts down. */
  endAll(): void {
    for (const listener of [...this.listeners]) listener.end();
  }

  private readable(uri: string, context: McpContext): Promise<boolean> {
    return this.dispatcher.canRead(uri, context).catch(() => false);
  }
}
