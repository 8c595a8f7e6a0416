/** A JSON-RPC error with its code, as the protocol layer sends it. */
export class McpProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'McpProtocolError';
  }
}

/**
 * A denial that only more scopes would lift, on a component that answers with a step-up challenge: a JSON-RPC error
 * to the client, and over HTTP a 403 `insufficient_scope` naming `scopes` (MCP authorization, scope challenge).
 */
export class McpStepUpRequired extends McpProtocolError {
  constructor(
    readonly scopes: readonly string[],
    message: string,
  ) {
    super(JsonRpcCode.Forbidden, message);
    this.name = 'McpStepUpRequired';
  }
}

/** JSON-RPC error codes the module answers with. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ResourceNotFound: -32002,
  /** An explicit denial (`McpAuthorizationError`) or a step-up challenge. */
  Forbidden: -32003,
  /** Transport-level refusals (origin, session) that carry no JSON-RPC id. */
  ServerError: -32000,
  /** 2026-07-28: the HTTP headers disagree with the body, or a required header is missing or malformed. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability its envelope does not declare. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: a protocol version this server does not speak (`data.supported` names those it does). */
  UnsupportedProtocolVersion: -32022,
} as const;
