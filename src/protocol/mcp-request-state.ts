import type { McpPrincipal } from '../authentication/mcp-principal.js';
import type { McpContext, McpLogLevel } from '../execution/mcp-context.js';
import type { McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import type { McpModernEnvelope } from './mcp-envelope.js';
import type { McpParamHeader } from '../discovery/mcp-param-headers.js';

/** A session's mutable protocol state (stateful HTTP, or the single stdio connection). */
export interface McpSessionState {
  readonly id?: string;
  /** The minimum level of log messages the client asked for (`logging/setLevel`). */
  logLevel?: McpLogLevel;
  /** Components this session enabled or disabled. */
  readonly visibility: McpSessionVisibility;
  /** 2025 `resources/subscribe`: the URIs subscribed to, with the context of the subscribing request. */
  subscriptions?: Map<string, McpContext>;
  /** The capabilities the client declared in `initialize`. */
  clientCapabilities?: Readonly<Record<string, unknown>>;
  /** Sends a server-initiated message on the session's own stream; false when it has none open. */
  notify?(message: JsonRpcMessage): boolean;
}

/** What the transport knows about one incoming request, handed to the protocol layer. */
export interface McpRequestState {
  readonly transport: 'http' | 'stdio';
  readonly principal: McpPrincipal;
  readonly request?: unknown;
  readonly response?: unknown;
  readonly session?: McpSessionState;
  /**
   * 2025 transports that can carry a request to the client and its answer back (stateful HTTP on the call's own
   * stream, stdio): sends it and resolves with the client's result (rejects with its error, or when `signal` aborts).
   */
  readonly ask?: (method: string, params: Readonly<Record<string, unknown>>, signal: AbortSignal) => Promise<unknown>;
  /** A 2026-07-28 request: what its envelope says. Absent for the 2025 era (its session holds that state). */
  readonly modern?: McpModernEnvelope;
  /**
   * 2026-07-28 over HTTP: holds a tool's `Mcp-Param-*` headers to its arguments; what disagrees, or undefined.
   * Asked only once the caller is admitted to the tool, so a hidden tool's annotations are never revealed.
   */
  readonly paramHeaders?: (declared: readonly McpParamHeader[], args: Readonly<Record<string, unknown>> | undefined) => string | undefined;
}

/** A JSON-RPC message as the transport passes it along (validated by `parseJsonRpcBody`). */
export type JsonRpcMessage = Record<string, unknown> & { jsonrpc: '2.0' };

/** @internal How the dispatcher reaches the request state behind an `McpContext`. */
export const MCP_REQUEST_STATE = Symbol('McpRequestState');
/** @internal How the dispatcher sends a notification related to the current request. */
export const MCP_SEND = Symbol('McpSend');

/** @internal The protocol layer's `McpContext`, with the state it wraps. */
export interface McpContextInternals {
  readonly [MCP_REQUEST_STATE]: McpRequestState;
  [MCP_SEND](message: JsonRpcMessage): Promise<void>;
}
