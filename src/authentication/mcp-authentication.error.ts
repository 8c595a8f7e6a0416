/** RFC 6750 §3.1 error codes a resource server answers with. */
export type McpAuthenticationErrorCode = 'invalid_token' | 'insufficient_scope' | 'invalid_request';

/**
 * An explicit refusal: thrown by an authenticator, it stops the chain and becomes the HTTP challenge
 * (401 `invalid_token`, 403 `insufficient_scope` or 400 `invalid_request`).
 * @example `throw new McpAuthenticationError('invalid_token', 'The API key was revoked')`
 */
export class McpAuthenticationError extends Error {
  constructor(
    readonly code: McpAuthenticationErrorCode,
    /** A short description safe to send to the client (RFC 6750 `error_description`). */
    readonly description: string = DEFAULT_DESCRIPTIONS[code],
    /** For `insufficient_scope`: the scopes the request needs. */
    readonly requiredScopes: readonly string[] = [],
    /** For `insufficient_scope`: the scopes the token already has (the challenge asks for both). */
    readonly grantedScopes: readonly string[] = [],
  ) {
    super(description);
    this.name = 'McpAuthenticationError';
  }
}

const DEFAULT_DESCRIPTIONS: Record<McpAuthenticationErrorCode, string> = {
  invalid_token: 'The access token is invalid or expired',
  insufficient_scope: 'The access token lacks a required scope',
  invalid_request: 'The authorization request is malformed',
};
