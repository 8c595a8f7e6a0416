import type { McpPrincipal } from '../authentication/mcp-principal.js';

/** Syslog severities of MCP `notifications/message`, lowest first. */
export const MCP_LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type McpLogLevel = (typeof MCP_LOG_LEVELS)[number];

/** Which components a session-visibility change applies to. */
export interface McpVisibilityFilter {
  tags?: string[];
  names?: string[];
}

/**
 * The current session's view of the server: components can be enabled or disabled for this session alone. The
 * session then receives a `list_changed` notification only when what it can see actually changed.
 */
export interface McpSession {
  readonly id?: string;
  /** Shows components (also those declared `enabled: false`) to this session, if authorization allows them. */
  enable(filter: McpVisibilityFilter): Promise<void>;
  /** Hides components from this session. */
  disable(filter: McpVisibilityFilter): Promise<void>;
  /** Back to the declared defaults. */
  reset(): Promise<void>;
}

/** The user's answer to `McpContext.elicit`: accepted (with the validated DTO), declined or cancelled. */
export type McpElicitation<T> = { readonly action: 'accept'; readonly value: T } | { readonly action: 'decline' } | { readonly action: 'cancel' };

/** A sampling request (MCP `sampling/createMessage`): the messages for the client's model, and its limits. */
export interface McpSamplingRequest {
  messages: Array<{ role: 'user' | 'assistant'; content: Record<string, unknown> }>;
  maxTokens: number;
  systemPrompt?: string;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** What the client's model answered. */
export interface McpSamplingResult {
  role: 'user' | 'assistant';
  content: Record<string, unknown>;
  model: string;
  stopReason?: string;
  [key: string]: unknown;
}

/** What a handler can do and know about the MCP request it serves; injected with `@McpContext()`. */
export interface McpContext {
  /** The JSON-RPC id the client gave this request. */
  readonly requestId: string | number;
  /** The stateful session, when there is one. */
  readonly sessionId?: string;
  /** Aborted when the client cancels the request or goes away. */
  readonly signal: AbortSignal;
  /** The HTTP request (Express or Fastify); undefined over stdio. */
  readonly request?: unknown;
  /** The HTTP response (for guards that expect one); the module writes the reply, so handlers must not. */
  readonly response?: unknown;
  readonly transport: 'http' | 'stdio';
  readonly principal: McpPrincipal;
  /** The session (stateful HTTP, or the stdio connection); undefined in stateless mode. */
  readonly session?: McpSession;
  /** Sends `notifications/progress` when the client asked for progress (it gave a progress token). */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends a log message to the client (`notifications/message`), honouring the level it set. */
  log(level: McpLogLevel, data: unknown, logger?: string): Promise<void>;
  /**
   * Asks the user for input through the client (MCP elicitation, form mode). The DTO's flat properties (strings,
   * numbers, integers, booleans, enums) become the `requestedSchema`; an accepted answer is validated into the DTO.
   * 2025: a request on the call's stream (stateful HTTP, or stdio). 2026-07-28: an `input_required` result, and the
   * handler runs again from the start when the client retries with the answer, so code before this call must be
   * safe to repeat. Throws -32021 when the client did not declare the `elicitation` capability.
   */
  elicit<T extends object>(dto: new (...args: never[]) => T, message: string): Promise<McpElicitation<T>>;
  /** Asks the client's model for a completion (MCP sampling), delivered as `elicit` is. Needs the `sampling` capability. */
  sample(request: McpSamplingRequest): Promise<McpSamplingResult>;
}
