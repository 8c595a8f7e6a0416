import type { McpAuthResult } from '../authentication/mcp-auth-result.js';
import type { McpLogLevel } from '../execution/mcp-context.js';

/** A session's mutable protocol state (stateful HTTP, or the single stdio connection). */
export interface McpSessionState {
  readonly id?: string;
  /** The minimum level of log messages the client asked for (`logging/setLevel`). */
  logLevel?: McpLogLevel;
}

/** What the transport knows about one incoming request, handed to the protocol layer. */
export interface McpRequestState {
  readonly transport: 'http' | 'stdio';
  readonly principal: McpAuthResult;
  readonly request?: unknown;
  readonly response?: unknown;
  readonly session?: McpSessionState;
  /** The id the client gave the request (the protocol layer sees a unique internal one). */
  readonly originalId?: string | number;
}

/** A JSON-RPC message as the transport passes it along (validated by `parseJsonRpcBody`). */
export type JsonRpcMessage = Record<string, unknown> & { jsonrpc: '2.0' };
