/** A JSON-RPC error reply as a test client sees it: thrown by the runner's `callTool`, `readResource`, … */
export class McpTestRpcError extends Error {
  constructor(
    /** The JSON-RPC error code (`-32602` for an unknown or hidden component, `-32003` for a denial or step-up). */
    readonly code: number,
    message: string,
    /** The HTTP status a client would receive: 200 for most errors, 401/403 for authentication and step-up. */
    readonly status: number,
    /** The `WWW-Authenticate` header sent with a 401/403 (e.g. `Bearer error="insufficient_scope", scope="…"`). */
    readonly challenge?: string,
    /** For a step-up: the scopes the component requires (the challenge's `scope` also repeats the granted ones). */
    readonly requiredScopes?: readonly string[],
  ) {
    super(message);
    this.name = 'McpTestRpcError';
  }
}
