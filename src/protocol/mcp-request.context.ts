import {
  MCP_LOG_LEVELS,
  type McpContext,
  type McpElicitation,
  type McpLogLevel,
  type McpSamplingRequest,
  type McpSamplingResult,
  type McpSession,
} from '../execution/mcp-context.js';
import { McpInputRequired, McpMissingClientCapability, type McpClientRequest } from '../execution/mcp-input-required.js';
import { McpToolError } from '../execution/mcp-tool.error.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpClientInput, McpRounds } from './mcp-client-input.js';
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
    private readonly input: McpClientInput,
    /** 2026-07-28 requests that may end `input_required`: the answers their retry brings. */
    private readonly rounds?: McpRounds,
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

  async elicit<T extends object>(dto: new (...args: never[]) => T, message: string): Promise<McpElicitation<T>> {
    const params = { mode: 'form', message, requestedSchema: this.input.elicitationSchema(dto) };
    return this.input.readElicitation(dto, await this.askClient('elicitation', { method: 'elicitation/create', params }));
  }

  async sample(request: McpSamplingRequest): Promise<McpSamplingResult> {
    return this.input.readSampling(await this.askClient('sampling', { method: 'sampling/createMessage', params: { ...request } }));
  }

  /**
   * One request to the client. 2026-07-28: its answer comes with the retry (the key is the request's position, the
   * same on every round), else the handler stops here with `McpInputRequired`. 2025: sent on the transport, when it
   * can carry one. Either way the client must have declared the capability.
   */
  private async askClient(capability: 'elicitation' | 'sampling', request: McpClientRequest): Promise<unknown> {
    const modern = this.state.modern;
    if (!modern && !this.state.ask) throw new McpToolError(McpMessages.clientUnreachable(capability));
    const declared = modern ? modern.clientCapabilities : this.state.session?.clientCapabilities;
    const value = declared?.[capability];
    if (typeof value !== 'object' || value === null) throw new McpMissingClientCapability(capability);
    if (modern) {
      const rounds = this.rounds;
      if (!rounds) throw new McpToolError(McpMessages.clientUnreachable(capability));
      const key = `${capability}-${++rounds.count}`;
      if (Object.hasOwn(rounds.answers, key)) return rounds.answers[key];
      throw new McpInputRequired(key, request);
    }
    return this.state.ask!(request.method, request.params, this.signal);
  }
}
