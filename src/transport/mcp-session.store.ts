import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { McpLogLevel } from '../execution/mcp-context.js';
import { McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import type { JsonRpcMessage, McpSessionState } from '../protocol/mcp-request-state.js';
import { writeEvent } from './sse.js';

const KEEP_ALIVE_MS = 25_000;

/** A stateful Streamable HTTP session, bound to the principal that opened it. */
export class McpHttpSession implements McpSessionState {
  logLevel?: McpLogLevel;
  readonly visibility = new McpSessionVisibility();
  lastSeen = Date.now();
  /** Client request id → the id the protocol layer knows it by, for `notifications/cancelled`. */
  readonly inflight = new Map<string | number, number>();
  private stream?: ServerResponse;
  private keepAlive?: NodeJS.Timeout;

  constructor(
    readonly id: string,
    /** Who opened it: requests from anyone else get 404 (MCP security best practices). */
    readonly ownerKey: string,
  ) {}

  get hasStream(): boolean {
    return this.stream !== undefined;
  }

  attach(stream: ServerResponse): void {
    this.stream = stream;
    this.keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
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

  close(): void {
    const stream = this.stream;
    if (stream) {
      this.detach(stream);
      stream.end();
    }
  }
}

/** Open sessions, their 128-bit random ids, and idle expiry. */
@Injectable()
export class McpSessionStore implements OnApplicationShutdown {
  private readonly sessions = new Map<string, McpHttpSession>();
  private readonly idleMs: number;
  private sweeper?: NodeJS.Timeout;

  constructor(@Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions) {
    this.idleMs = options.http ? options.http.sessionIdleTimeoutMs : Infinity;
  }

  create(ownerKey: string): McpHttpSession {
    // Ids are server-chosen and unguessable: 128 random bits, visible ASCII (MCP transport spec).
    const session = new McpHttpSession(randomBytes(16).toString('base64url'), ownerKey);
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

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.lastSeen < cutoff && !session.hasStream && session.inflight.size === 0) this.delete(session.id);
    }
  }
}
