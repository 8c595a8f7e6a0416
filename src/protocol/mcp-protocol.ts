import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  InitializeRequestSchema,
  isJSONRPCRequest,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { MCP_LOG_LEVELS, type McpContext, type McpLogLevel, type McpSession } from '../execution/mcp-context.js';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import { McpDispatcher } from '../execution/mcp.dispatcher.js';
import { JsonRpcCode, McpProtocolError, McpStepUpRequired } from '../execution/mcp-tool.error.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { MCP_REQUEST_STATE, MCP_SEND, type JsonRpcMessage, type McpRequestState } from './mcp-request-state.js';
import { jsonRpcErrorReply, jsonRpcResult } from './json-rpc.js';
import { McpDirectRequest, McpMultiplexTransport } from './mcp-multiplex.transport.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type StateResolver = (extra: Extra) => McpRequestState | undefined;

const rank = (level: McpLogLevel) => MCP_LOG_LEVELS.indexOf(level);

const SHUTDOWN_GRACE_MS = 2_000;

/** Methods the SDK Server answers itself, with the schemas it parses their params with. */
const SDK_PARSED = new Map<string, { safeParse(value: unknown): { success: boolean } }>([
  ['initialize', InitializeRequestSchema],
  ['logging/setLevel', SetLevelRequestSchema],
]);

/** Request parameters the SDK's schemas would refuse are refused the same way (-32602). */
function str(value: unknown): string {
  if (typeof value !== 'string') throw new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');
  return value;
}
function record(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');
  }
  return value as Record<string, unknown>;
}

/** What the direct router gives a request in place of the SDK's per-request extra (built per request: kept small). */
class DirectExtra {
  constructor(
    readonly requestId: string | number,
    readonly _meta: Extra['_meta'],
    private readonly direct: McpDirectRequest,
    private readonly notify: ((message: JsonRpcMessage) => void) | undefined,
  ) {}
  get signal(): AbortSignal {
    return this.direct.signal;
  }
  async sendNotification(note: Record<string, unknown>): Promise<void> {
    this.notify?.({ jsonrpc: '2.0', ...note } as JsonRpcMessage);
  }
}

/** The `McpContext` handlers receive, backed by the SDK's per-request extra. */
class RequestContext implements McpContext {
  constructor(
    private readonly state: McpRequestState,
    private readonly extra: Extra,
    private readonly dispatcher: McpDispatcher,
  ) {}
  get [MCP_REQUEST_STATE]() {
    return this.state;
  }
  [MCP_SEND](message: JsonRpcMessage): Promise<void> {
    return this.extra.sendNotification(message as never);
  }
  get session(): McpSession | undefined {
    return this.dispatcher.session(this);
  }
  get requestId() {
    return this.state.originalId ?? this.extra.requestId;
  }
  get sessionId() {
    return this.state.session?.id;
  }
  get signal() {
    return this.extra.signal;
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
    const progressToken = this.extra._meta?.progressToken;
    if (typeof progressToken !== 'string' && !Number.isSafeInteger(progressToken)) return;
    const token = progressToken as string | number;
    await this.extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
    });
  }
  async log(level: McpLogLevel, data: unknown, logger?: string): Promise<void> {
    const minimum = this.state.session?.logLevel;
    if (minimum && rank(level) < rank(minimum)) return;
    await this.extra.sendNotification({ method: 'notifications/message', params: { level, data, ...(logger && { logger }) } });
  }
}

/**
 * The one place that speaks MCP through `@modelcontextprotocol/sdk`: it builds the low-level `Server` once
 * and maps its requests onto the dispatcher. HTTP requests reach it through a multiplexing transport; stdio
 * gets a server of its own from `createServer`.
 */
@Injectable()
export class McpProtocol implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly transport = new McpMultiplexTransport();
  private server?: Server;

  constructor(
    private readonly dispatcher: McpDispatcher,
    private readonly registry: McpRegistry,
    private readonly errors: McpErrorMapper,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = this.createServer((extra) => this.transport.stateOf(extra.requestId));
    await this.server.connect(this.transport);
    this.transport.router = this.directRouter();
  }

  /**
   * The hot methods (lists, call, read, get, ping) answered straight from the dispatcher on the HTTP path. Measured
   * here, the SDK's per-request work around them (zod parsing of each message and result, an AbortController per
   * request) cost about as much as everything else the module does; the SDK Server still negotiates `initialize`
   * and answers every other method, and serves stdio whole. Same handlers, same errors.
   */
  private directRouter() {
    const d = this.dispatcher;
    const { tools, resources, resourceTemplates, prompts } = this.registry;
    const routes = new Map<string, (params: Record<string, unknown>, context: McpContext) => unknown>();
    routes.set('ping', () => ({}));
    if (tools.size) {
      routes.set('tools/list', (_p, c) => d.listTools(c));
      routes.set('tools/call', (p, c) => d.callTool(str(p.name), record(p.arguments), c));
    }
    if (resources.size || resourceTemplates.size) {
      routes.set('resources/list', (_p, c) => d.listResources(c));
      routes.set('resources/templates/list', (_p, c) => d.listResourceTemplates(c));
      routes.set('resources/read', (p, c) => d.readResource(str(p.uri), c));
    }
    if (prompts.size) {
      routes.set('prompts/list', (_p, c) => d.listPrompts(c));
      routes.set('prompts/get', (p, c) => d.getPrompt(str(p.name), record(p.arguments), c));
    }
    return (message: JsonRpcMessage, state: McpRequestState, notify: ((m: JsonRpcMessage) => void) | undefined, direct: McpDirectRequest) => {
      const route = routes.get(message.method as string);
      if (!route) return this.screenForSdk(message);
      const id = message.id as string | number;
      const fail = (error: unknown): JsonRpcMessage => {
        const known = this.toProtocolError(error, String(message.method));
        return jsonRpcErrorReply(id, known.code, known.message, known instanceof McpStepUpRequired ? known.scopes : undefined);
      };
      const params = (message.params ?? {}) as Record<string, unknown>;
      const extra = new DirectExtra(id, params._meta as Extra['_meta'], direct, notify) as unknown as Extra;
      let result: unknown;
      try {
        result = route(params, new RequestContext(state, extra, d));
      } catch (error) {
        return Promise.resolve(fail(error));
      }
      return Promise.resolve(result).then((value) => jsonRpcResult(id, value), fail);
    };
  }

  /**
   * Shutdown: in-flight requests get a grace period to finish; those still running then are cancelled (their
   * handlers' abort signals fire), so the HTTP server can drain.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.transport.pending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.transport.cancelAll('server shutting down');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  /**
   * Requests left to the SDK Server must pass its schemas first: it drops a request it cannot parse without
   * answering, and answers bad params of the methods it parses itself with -32603 and the validator's dump.
   */
  private screenForSdk(message: JsonRpcMessage): Promise<JsonRpcMessage> | undefined {
    const id = message.id as string | number;
    if (!isJSONRPCRequest(message)) {
      return Promise.resolve({ jsonrpc: '2.0', id, error: { code: JsonRpcCode.InvalidRequest, message: 'Invalid Request' } } as JsonRpcMessage);
    }
    const schema = SDK_PARSED.get(message.method as string);
    if (schema && !schema.safeParse(message).success) {
      return Promise.resolve({ jsonrpc: '2.0', id, error: { code: JsonRpcCode.InvalidParams, message: 'Invalid params' } } as JsonRpcMessage);
    }
    return undefined;
  }

  /** What a client may see of a failure: protocol errors as they are, anything else masked (and logged). */
  private toProtocolError(error: unknown, what: string): McpProtocolError {
    return error instanceof McpProtocolError ? error : new McpProtocolError(JsonRpcCode.InternalError, this.errors.mask(error, what));
  }

  /** Builds a protocol server whose requests read their state from `resolve`. */
  createServer(resolve: StateResolver): Server {
    const { tools, resources, resourceTemplates, prompts } = this.registry;
    const server = new Server(
      { name: this.options.name, version: this.options.version, ...(this.options.title && { title: this.options.title }) },
      {
        capabilities: {
          logging: {},
          ...(tools.size && { tools: { listChanged: true } }),
          ...((resources.size || resourceTemplates.size) && { resources: { listChanged: true } }),
          ...(prompts.size && { prompts: { listChanged: true } }),
        },
        ...(this.options.instructions && { instructions: this.options.instructions }),
      },
    );
    const d = this.dispatcher;
    const handle = <T>(what: string, run: (context: McpContext, extra: Extra) => T | Promise<T>) => {
      return async (extra: Extra) => {
        const state = resolve(extra);
        if (!state) throw new McpProtocolError(JsonRpcCode.InternalError, 'Request state lost');
        try {
          return (await run(new RequestContext(state, extra, d), extra)) as never;
        } catch (error) {
          throw this.toProtocolError(error, what);
        }
      };
    };
    if (tools.size) {
      const list = handle('tools/list', (c) => d.listTools(c));
      server.setRequestHandler(ListToolsRequestSchema, (_r, extra) => list(extra));
      server.setRequestHandler(CallToolRequestSchema, (r, extra) =>
        handle('tools/call', (c) => d.callTool(r.params.name, r.params.arguments, c))(extra),
      );
    }
    if (resources.size || resourceTemplates.size) {
      const list = handle('resources/list', (c) => d.listResources(c));
      const listTemplates = handle('resources/templates/list', (c) => d.listResourceTemplates(c));
      server.setRequestHandler(ListResourcesRequestSchema, (_r, extra) => list(extra));
      server.setRequestHandler(ListResourceTemplatesRequestSchema, (_r, extra) => listTemplates(extra));
      server.setRequestHandler(ReadResourceRequestSchema, (r, extra) =>
        handle('resources/read', (c) => d.readResource(r.params.uri, c))(extra),
      );
    }
    if (prompts.size) {
      const list = handle('prompts/list', (c) => d.listPrompts(c));
      server.setRequestHandler(ListPromptsRequestSchema, (_r, extra) => list(extra));
      server.setRequestHandler(GetPromptRequestSchema, (r, extra) =>
        handle('prompts/get', (c) => d.getPrompt(r.params.name, r.params.arguments, c))(extra),
      );
    }
    // The SDK keys log levels by its transport's session id; sessions here live in the HTTP layer.
    server.setRequestHandler(SetLevelRequestSchema, (r, extra) => {
      const session = resolve(extra)?.session;
      if (session) session.logLevel = r.params.level;
      return {};
    });
    server.onerror = (error) => this.errors.mask(error, 'MCP protocol');
    return server;
  }
}
