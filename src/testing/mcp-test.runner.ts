import type { INestApplicationContext } from '@nestjs/common';
import type {
  CallToolResult,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { McpAuthenticationError } from '../authentication/mcp-authentication.error.js';
import { buildChallenge } from '../authentication/mcp-challenge.js';
import { resultFromClaims } from '../authentication/claims.mapping.js';
import { ANONYMOUS, setMcpPrincipal, toMcpPrincipal, type McpPrincipal, type McpPrincipalInit, type McpPrincipalSource } from '../authentication/mcp-principal.js';
import { requireScopes } from '../authentication/scopes.js';
import { McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { jsonRpcError, serialize, stepUpOf } from '../protocol/json-rpc.js';
import type { JsonRpcMessage, McpRequestState } from '../protocol/mcp-request-state.js';
import { McpProtocol } from '../protocol/mcp-protocol.js';
import { McpTestRpcError } from './mcp-test.error.js';
import { claimsOf, type McpTestPrincipal } from './mcp-test.principal.js';
import { McpTestingMessages } from './mcp-testing.messages.js';

/** How a test caller reaches the server. */
export interface McpTestCallerOptions {
  /**
   * `http` (default): as over Streamable HTTP, so step-up denials come back as 403 challenges. `stdio`: as over
   * stdio (no challenges: a denial the caller could lift by stepping up is hidden instead).
   */
  transport?: 'http' | 'stdio';
  /** What guards see as `switchToHttp().getRequest()`; default none (as over stdio). The principal is stored on it. */
  request?: object;
  response?: unknown;
  /** Give the caller a session (`ctx.session`), kept across its calls, as a stateful HTTP or stdio client has. */
  session?: boolean;
  /** The principal's `source` when it is built from an `McpTestPrincipal`. Default `jwt`. */
  source?: McpPrincipalSource;
}

/** One JSON-RPC exchange: the reply and what the HTTP layer would add to it. */
export interface McpTestResponse {
  /** The HTTP status a client would receive. */
  readonly status: number;
  /** The `WWW-Authenticate` header of a 401/403. */
  readonly challenge?: string;
  /** For a step-up, the scopes the component requires. */
  readonly requiredScopes?: readonly string[];
  /** The JSON-RPC reply, exactly as serialized for the client. */
  readonly body: { jsonrpc: '2.0'; id: string | number | null; result?: Record<string, unknown>; error?: { code: number; message: string } };
}

/**
 * Calls the app's MCP components as one principal, through the same method table, authorization, guards, pipes,
 * interceptors and filters as an HTTP or stdio request, without a network. Results are what a client receives;
 * JSON-RPC errors are thrown as `McpTestRpcError`.
 */
export class McpTestCaller {
  private id = 0;
  private readonly state?: McpRequestState;

  /** The principal requests run as; undefined when authentication refuses the caller (see `request()`). */
  readonly principal?: McpPrincipal;
  private readonly refusal?: McpTestResponse;

  /** @internal Use `McpTestRunner#as`. */
  constructor(
    private readonly protocol: McpProtocol,
    private readonly options: McpResolvedOptions,
    /** The principal, or the answer the authentication layer gives instead. */
    authentication: McpPrincipal | McpTestResponse,
    callerOptions: McpTestCallerOptions,
  ) {
    if ('body' in authentication) {
      this.refusal = authentication;
      return;
    }
    this.principal = authentication;
    if (callerOptions.request) setMcpPrincipal(callerOptions.request, authentication);
    this.state = {
      transport: callerOptions.transport ?? 'http',
      principal: authentication,
      request: callerOptions.request,
      response: callerOptions.response,
      ...(callerOptions.session && { session: { visibility: new McpSessionVisibility() } }),
    };
  }

  listTools(): Promise<ListToolsResult> {
    return this.result('tools/list');
  }
  callTool(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return this.result('tools/call', { name, arguments: args });
  }
  listResources(): Promise<ListResourcesResult> {
    return this.result('resources/list');
  }
  listResourceTemplates(): Promise<ListResourceTemplatesResult> {
    return this.result('resources/templates/list');
  }
  readResource(uri: string): Promise<ReadResourceResult> {
    return this.result('resources/read', { uri });
  }
  listPrompts(): Promise<ListPromptsResult> {
    return this.result('prompts/list');
  }
  getPrompt(name: string, args: Record<string, string> = {}): Promise<GetPromptResult> {
    return this.result('prompts/get', { name, arguments: args });
  }

  /** Any JSON-RPC method, answered with the full exchange (errors included, never thrown). */
  async request(method: string, params: Record<string, unknown> = {}): Promise<McpTestResponse> {
    const state = this.state;
    if (!state) return this.refusal!;
    const message: JsonRpcMessage = { jsonrpc: '2.0', id: ++this.id, method, params };
    const reply = (await this.protocol.dispatch(message, state).response)!;
    // Through the wire format: the test gets a copy (never a cached list it could mutate) shaped like the client's.
    const body = JSON.parse(serialize(reply)) as McpTestResponse['body'];
    const stepUp = stepUpOf(reply);
    if (!stepUp) return { status: 200, body };
    const error = new McpAuthenticationError('insufficient_scope', undefined, [...new Set(stepUp)], state.principal.scopes);
    const challenge = buildChallenge(error, { resourceMetadataUrl: this.options.resourceMetadataUrl }).header;
    return { status: 403, challenge, requiredScopes: [...new Set(stepUp)], body };
  }

  private async result<T>(method: string, params?: Record<string, unknown>): Promise<T> {
    const response = await this.request(method, params);
    const { error, result } = response.body;
    if (error) throw new McpTestRpcError(error.code, error.message, response.status, response.challenge, response.requiredScopes);
    return result as T;
  }
}

/** Runs an app's MCP components as chosen principals (see `createMcpTestRunner`). */
export class McpTestRunner {
  /** @internal Use `createMcpTestRunner`. */
  constructor(
    private readonly protocol: McpProtocol,
    private readonly options: McpResolvedOptions,
  ) {}

  /**
   * A caller authenticated as this principal: an `McpTestPrincipal` becomes the principal `McpJwt` makes of the token
   * `McpTestIssuer#mint` would issue for it; an `McpPrincipalInit` is taken as it is. Server-wide `requiredScopes`
   * apply as they do in authentication (a caller without them gets the 403 every request would get).
   */
  as(principal: McpTestPrincipal | McpPrincipalInit, options: McpTestCallerOptions = {}): McpTestCaller {
    const source = options.source ?? 'jwt';
    const result =
      'principal' in principal && typeof principal.principal === 'object'
        ? toMcpPrincipal(principal, source)
        : resultFromClaims(claimsOf(principal as McpTestPrincipal), {}, source);
    try {
      requireScopes(result, this.options.requiredScopes);
    } catch (error) {
      return this.refused(error as McpAuthenticationError, options);
    }
    return new McpTestCaller(this.protocol, this.options, result, options);
  }

  /** A caller without credentials: the anonymous principal when the module allows it, else the 401 it would get. */
  anonymous(options: McpTestCallerOptions = {}): McpTestCaller {
    if (this.options.allowAnonymous && !this.options.requiredScopes.length) return new McpTestCaller(this.protocol, this.options, ANONYMOUS, options);
    return this.refused(undefined, options);
  }

  private refused(error: McpAuthenticationError | undefined, options: McpTestCallerOptions): McpTestCaller {
    const challenge = buildChallenge(error, { resourceMetadataUrl: this.options.resourceMetadataUrl, scopes: this.options.requiredScopes });
    const message = (challenge.exception.getResponse() as { error: { message: string } }).error.message;
    const response: McpTestResponse = { status: challenge.status, challenge: challenge.header, body: jsonRpcError(JsonRpcCode.ServerError, message) as McpTestResponse['body'] };
    return new McpTestCaller(this.protocol, this.options, response, options);
  }
}

/**
 * A runner for unit tests: calls the components of a `Test.createTestingModule(...)` module (or any application
 * context) as chosen principals, without HTTP. Initializes the context if it is not yet.
 * @example
 * ```ts
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
 * const mcp = await createMcpTestRunner(moduleRef);
 * const result = await mcp.as({ sub: 'alice', scopes: ['notes:read'] }).callTool('list-notes', {});
 * ```
 */
export async function createMcpTestRunner(app: INestApplicationContext): Promise<McpTestRunner> {
  let protocol: McpProtocol;
  try {
    protocol = app.get(McpProtocol, { strict: false });
  } catch {
    throw new Error(McpTestingMessages.runnerWithoutModule());
  }
  await app.init();
  return new McpTestRunner(protocol, app.get<McpResolvedOptions>(MCP_RESOLVED_OPTIONS, { strict: false }));
}
