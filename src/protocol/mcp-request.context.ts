import { MCP_LOG_LEVELS, type McpContext, type McpLogLevel, type McpSession } from '../execution/mcp-context.js';
import type { McpDispatcher } from '../protocol/mcp.dispatcher.js';
import { MCP_REQUEST_STATE, MCP_SEND, type JsonRpcMessage, type McpRequestState } from './mcp-request-state.js';

const rank = (level: McpLogLevel) => MCP_LOG_LEVELS.indexOf(level);

/** One request in flight: its abort signal, made only when a handler asks for it (most never do). */
export class McpRequestHandle {
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

  get isCancelled(): boolean {
    return this.cancelled !== undefined;
  }

  /** Calls `watch` once the handler asks for its abort signal (at once if it has): only then can it be aborted. */
  onSignal(watch: () => void): void {
    if (this.controller) watch();
    else this.watcher = watch;
  }

  abort(reason: string): void {
    this.cancelled ??= reason;
    this.controller?.abort(reason);
  }
}

/** The `McpContext` handlers receive (built per request: kept small). */
export class McpRequestContext implements McpContext {
  constructor(
    private readonly state: McpRequestState,
    readonly requestId: string | number,
    private readonly meta: Record<string, unknown> | undefined,
    private readonly handle: McpRequestHandle,
    private readonly notify: ((message: JsonRpcMessage) => void) | undefined,
    private readonly dispatcher: McpDispatcher,
  ) {}
  get [MCP_REQUEST_STATE]() {
    return this.state;
  }
  async [MCP_SEND](message: JsonRpcMessage): Promise<void> {
    this.notify?.(message);
  }
  get session(): McpSession | undefined {
    return this.dispatcher.session(this);
  }
  get sessionId() {
    return this.state.session?.id;
  }
  get signal() {
    return this.handle.signal;
  }
  get request() {
    return this.state.request;
  }
  get response() {
    return this.state.response;
  }
  get transport() {
    return this.state.transport;
  }
  get principal() {
    return this.state.principal;
  }
  async reportProgress(progress: number, total?: number, message?: string): Promise<void> {
    const token = this.meta?.progressToken;
    if (typeof token !== 'string' && !Number.isSafeInteger(token)) return;
    this.notify?.({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
    });
  }
  async log(level: McpLogLevel, data: unknown, logger?: string): Promise<void> {
    // 2026-07-28: log messages only for a request that names a level in its `_meta`.
    const modern = this.state.modern;
    if (modern && !modern.logLevel) return;
    const minimum = modern ? modern.logLevel : this.state.session?.logLevel;
    if (minimum && rank(level) < rank(minimum)) return;
    this.notify?.({ jsonrpc: '2.0', method: 'notifications/message', params: { level, data, ...(logger && { logger }) } });
  }
}
