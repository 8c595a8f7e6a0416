import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import type { McpContext, McpLogLevel } from '../execution/mcp-context.js';
import { McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import type { McpDispatch } from '../protocol/mcp-protocol.js';
import type { JsonRpcMessage, McpSessionState } from '../protocol/mcp-request-state.js';
import { writeEvent } from './sse.js';
import { McpClientAsks } from '../protocol/mcp-client-asks.js';


/** A stateful Streamable HTTP session, bound to the principal that opened it. */
export class McpHttpSession implements McpSessionState {
  logLevel?: McpLogLevel;
  readonly visibility = new McpSessionVisibility();
  lastSeen = Date.now();
  /** Client request id → the request in flight, for `notifications/cancelled` and DELETE. */
  readonly inflight = new Map<string | number, McpDispatch>();
  clientCapabilities?: Readonly<Record<string, unknown>>;
  subscriptions?: Map<string, McpContext>;
  /** Called once when the session closes. */
  onClose?: () => void;
  /** Requests this session's handlers sent the client, awaiting its answer. */
  private readonly asks = new McpClientAsks();
  private stream?: ServerResponse;
  private keepAlive?: NodeJS.Timeout;

  constructor(
    readonly id: string,
    /** Who opened it: requests from anyone else get 404 (MCP security best practices). */
    readonly ownerKey: string,
    private readonly keepAliveMs: number,
  ) {}

  get hasStream(): boolean {
    return this.stream !== undefined;
  }

  attach(stream: ServerResponse): void {
    this.stream = stream;
    this.keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), this.keepAliveMs).unref();
  }

  detach(stream: ServerResponse): void {
    if (this.stream !== stream) return;
    clearInterval(this.keepAlive);
    this.stream = undefined;
  }

  /** Sends a server-initiated message on the session's GET stream; false when none is open. */
  notify(message: JsonRpcMessage): boolean {
    if (!this.stream) return false;
    writeEvent(this.stream, message);
    return true;
  }

  /** Sends the client a request on the calling request's stream and resolves with its answer (`McpClientAsks`). */
  ask(method: string, params: Readonly<Record<string, unknown>>, signal: AbortSignal, send: (message: JsonRpcMessage) => void): Promise<unknown> {
    return this.asks.ask(method, params, signal, send);
  }

  /** The client's answer to one of `ask`'s requests; anything else is ignored. */
  answer(message: JsonRpcMessage): void {
    this.asks.answer(message);
  }

  close(): void {
    this.onClose?.();
    this.onClose = undefined;
    this.asks.rejectAll('session closed');
    const stream = this.stream;
    if (stream) {
      this.detach(stream);
      stream.end();
    }
  }
}

/**
 * Open sessions, their 128-bit random ids, idle expiry and limits: past `maxSessionsPerPrincipal` a principal's
 * least recently used session is closed (its own leak cannot lock it out); past `maxSessions` in total new sessions
 * are refused (503), since evicting other principals' sessions would let one caller end everyone's.
 */
@Injectable()
export class McpSessionStore implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly sessions = new Map<string, McpHttpSession>();
  private readonly idleMs: number;
  private readonly maxTotal: number;
  private readonly maxPerPrincipal: number;
  private readonly keepAliveMs: number;
  private sweeper?: NodeJS.Timeout;

  constructor(@Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions) {
    const http = options.http || undefined;
    this.idleMs = http?.sessionIdleTimeoutMs ?? Infinity;
    this.maxTotal = http?.maxSessions ?? Infinity;
    this.maxPerPrincipal = http?.maxSessionsPerPrincipal ?? Infinity;
    this.keepAliveMs = http?.keepAliveMs ?? 25_000;
  }

  /** A new session for this principal, or undefined when the server holds as many as it may. */
  create(ownerKey: string): McpHttpSession | undefined {
    const owned = [...this.sessions.values()].filter((s) => s.ownerKey === ownerKey);
    if (owned.length >= this.maxPerPrincipal) {
      const oldest = owned.reduce((a, b) => (a.lastSeen <= b.lastSeen ? a : b));
      this.delete(oldest.id);
    } else if (this.sessions.size >= this.maxTotal) {
      return undefined;
    }
    // Ids are server-chosen and unguessable: 128 random bits, visible ASCII (MCP transport spec).
    const session = new McpHttpSession(randomBytes(16).toString('base64url'), ownerKey, this.keepAliveMs);
    this.sessions.set(session.id, session);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(this.idleMs, 60_000)).unref();
    return session;
  }

  get(id: string): McpHttpSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastSeen = Date.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    session.close();
    return true;
  }

  all(): IterableIterator<McpHttpSession> {
    return this.sessions.values();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Ends every session and its event stream before the HTTP server starts waiting for open connections. */
  beforeApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }

  onApplicationShutdown(): void {
    this.beforeApplicationShutdown();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.lastSeen < cutoff && !session.hasStream && session.inflight.size === 0) this.delete(session.id);
    }
  }
}
