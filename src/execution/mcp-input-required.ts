/** A request the server needs the client to answer: elicitation or sampling (MCP server-to-client requests). */
export interface McpClientRequest {
  readonly method: 'elicitation/create' | 'sampling/createMessage';
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Thrown out of a handler (by `McpContext.elicit`/`sample`) in a 2026-07-28 request whose answer the client has not
 * given yet: the request ends with an `input_required` result asking for it, and the handler runs again from the
 * start when the client retries with the answer. Never caught by the component's exception filters.
 */
export class McpInputRequired extends Error {
  constructor(
    /** The input's key: its position among the handler's requests to the client (the same on every round). */
    readonly key: string,
    readonly request: McpClientRequest,
  ) {
    super(`input required: ${key}`);
    this.name = 'McpInputRequired';
  }
}

/**
 * Thrown out of a handler that asked the client for something it did not declare it can do (its `elicitation` or
 * `sampling` capability): the request fails with -32021 naming the capability. Never caught by exception filters.
 */
export class McpMissingClientCapability extends Error {
  constructor(readonly capability: string) {
    super(`Missing required client capability: ${capability}`);
    this.name = 'McpMissingClientCapability';
  }
}

/** What a handler's requests to the client throw that the module itself answers (never the component's filters). */
export const isClientRequestSignal = (error: unknown): boolean => error instanceof McpInputRequired || error instanceof McpMissingClientCapability;
