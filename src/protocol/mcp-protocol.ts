import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import { McpDispatcher } from '../protocol/mcp.dispatcher.js';
import { JsonRpcCode, McpProtocolError, McpStepUpRequired } from '../protocol/json-rpc.errors.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { jsonRpcErrorReply, jsonRpcResult } from './json-rpc.js';
import { createMethodTables, type McpMethod } from './mcp-method.table.js';
import { McpRequestContext, McpRequestHandle } from './mcp-request.context.js';
import { McpClientInput, MRTR_METHODS } from './mcp-client-input.js';
import { McpSubscriptions } from './mcp-subscriptions.js';
import { McpInputRequired, McpMissingClientCapability } from '../execution/mcp-input-required.js';
import type { JsonRpcMessage, McpRequestState } from './mcp-request-state.js';
import type { McpProtocolEras } from './mcp-versions.js';

const SHUTDOWN_GRACE_MS = 2_000;

/** One request handed to the protocol layer. */
export interface McpDispatch {
  /** The reply with the client's own id; undefined when the request was cancelled before it finished. */
  readonly response: Promise<JsonRpcMessage | undefined>;
  /** Aborts the handler (its `signal` fires) and settles `response` without a reply. */
  cancel(reason: string): void;
  /** Calls `watch` once the handler asks for its abort signal: only then is there anything to cancel. */
  onSignal(watch: () => void): void;
}

/**
 * The protocol layer both transports feed: each JSON-RPC request is looked up in the one method table and answered
 * from the dispatcher, with the client's own id. Transports keep their own framing (HTTP bodies and SSE, stdio lines)
 * and map client cancellations onto `McpDispatch.cancel`.
 */
@Injectable()
export class McpProtocol implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private tables: { readonly legacy: ReadonlyMap<string, McpMethod>; readonly modern: ReadonlyMap<string, McpMethod> } = { legacy: new Map(), modern: new Map() };
  private readonly inflight = new Set<McpRequestHandle>();

  constructor(
    private readonly dispatcher: McpDispatcher,
    private readonly registry: McpRegistry,
    private readonly errors: McpErrorMapper,
    private readonly input: McpClientInput,
    private readonly subscriptions: McpSubscriptions,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.tables = createMethodTables(this.registry, this.dispatcher, this.subscriptions, this.options, this.options.protocol);
  }

  /** Answers one request (a message with a method and an id). `notify` carries the request's own notifications. */
  dispatch(message: JsonRpcMessage, state: McpRequestState, notify?: (message: JsonRpcMessage) => void): McpDispatch {
    const id = message.id as string | number;
    const handle = new McpRequestHandle();
    let settle!: (reply: JsonRpcMessage | undefined) => void;
    const response = new Promise<JsonRpcMessage | undefined>((resolve) => (settle = resolve));
    this.inflight.add(handle);
    const finish = (reply: JsonRpcMessage) => {
      this.inflight.delete(handle);
      settle(handle.isCancelled ? undefined : reply);
    };
    this.answer(message, id, state, notify, handle).then(finish);
    return {
      response,
      cancel: (reason) => {
        if (!this.inflight.delete(handle)) return;
        handle.abort(reason);
        settle(undefined);
      },
      onSignal: (watch) => handle.onSignal(watch),
    };
  }

  /** The protocol eras this server speaks. */
  get eras(): McpProtocolEras {
    return this.options.protocol.eras;
  }

  /** Requests in flight (stdio and HTTP). */
  get pending(): number {
    return this.inflight.size;
  }

  /**
   * Shutdown: in-flight requests get a grace period to finish; those still running then are cancelled (their
   * handlers' abort signals fire), so the HTTP server can drain.
   */
  async beforeApplicationShutdown(): Promise<void> {
    // Long-lived listen streams end gracefully at once, rather than waiting out the grace period to be cancelled.
    this.subscriptions.endAll();
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.inflight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const handle of [...this.inflight]) handle.abort('server shutting down');
    this.inflight.clear();
  }

  private answer(
    message: JsonRpcMessage,
    id: string | number,
    state: McpRequestState,
    notify: ((message: JsonRpcMessage) => void) | undefined,
    handle: McpRequestHandle,
  ): Promise<JsonRpcMessage> {
    const modern = state.modern !== undefined;
    const method = (modern ? this.tables.modern : this.tables.legacy).get(message.method as string);
    if (!method) return Promise.resolve(jsonRpcErrorReply(id, JsonRpcCode.MethodNotFound, 'Method not found'));
    const params = (message.params ?? {}) as Record<string, unknown>;
    const meta = params._meta as Record<string, unknown> | undefined;
    const name = message.method as string;
    const fail = (error: unknown): JsonRpcMessage => {
      const known =
        error instanceof McpProtocolError
          ? error
          : error instanceof McpMissingClientCapability
            ? new McpProtocolError(JsonRpcCode.MissingRequiredClientCapability, error.message, { requiredCapabilities: { [error.capability]: {} } })
            : new McpProtocolError(JsonRpcCode.InternalError, this.errors.mask(error, name));
      // 2026-07-28 answers an unknown resource with -32602, as JSON-RPC's invalid params.
      const code = modern && known.code === JsonRpcCode.ResourceNotFound ? JsonRpcCode.InvalidParams : known.code;
      return jsonRpcErrorReply(id, code, known.message, known instanceof McpStepUpRequired ? known.scopes : undefined, known.data);
    };
    if (modern && MRTR_METHODS.has(name)) return this.answerRounds(id, name, method, params, meta, state, notify, handle, fail);
    let result: unknown;
    try {
      result = method(params, new McpRequestContext(state, id, meta, handle, notify, this.dispatcher, this.input));
    } catch (error) {
      return Promise.resolve(fail(error));
    }
    return Promise.resolve(result).then((value) => jsonRpcResult(id, value), fail);
  }

  /**
   * A 2026-07-28 call, read or prompt: its handler may ask the client for input. The rounds its `requestState` carries
   * are opened first; a handler that stops at an unanswered request (`McpInputRequired`) makes the result
   * `input_required`, with a new sealed state. Never cached, never carrying caching hints.
   */
  private async answerRounds(
    id: string | number,
    name: string,
    method: McpMethod,
    params: Record<string, unknown>,
    meta: Record<string, unknown> | undefined,
    state: McpRequestState,
    notify: ((message: JsonRpcMessage) => void) | undefined,
    handle: McpRequestHandle,
    fail: (error: unknown) => JsonRpcMessage,
  ): Promise<JsonRpcMessage> {
    try {
      const rounds = await this.input.rounds(name, params, state.principal);
      try {
        return jsonRpcResult(id, await method(params, new McpRequestContext(state, id, meta, handle, notify, this.dispatcher, this.input, rounds)));
      } catch (error) {
        if (!(error instanceof McpInputRequired)) throw error;
        return jsonRpcResult(id, await this.input.inputRequired(name, params, state.principal, rounds, error, this.serverInfo));
      }
    } catch (error) {
      return fail(error);
    }
  }

  private get serverInfo(): Record<string, unknown> {
    const { name, version, title } = this.options;
    return { name, version, ...(title && { title }) };
  }
}
