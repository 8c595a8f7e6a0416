import { McpTestingMessages } from './mcp-testing.messages.js';

/**
 * A caller for tests, flat: what `McpTestIssuer#mint` puts in a token and what `McpTestRunner#as` calls with.
 * @example `{ sub: 'alice', scopes: ['notes:read'], roles: ['editor'], clientId: 'agent-1' }`
 */
export interface McpTestPrincipal {
  /** The subject (`sub`). */
  sub: string;
  /** Granted scopes, sent as the space-delimited `scope` claim (RFC 9068). */
  scopes?: readonly string[];
  /** Sent as the `roles` claim, which `McpJwt` reads by default. */
  roles?: readonly string[];
  /** The OAuth client (`client_id`). */
  clientId?: string;
  /** More claims, merged last: they may replace the ones above. */
  claims?: Record<string, unknown>;
}

// RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The claims a token for this principal carries, under the names `McpJwt` reads by default (claims.mapping.ts). */
export function claimsOf(principal: McpTestPrincipal): Record<string, unknown> {
  if (!principal || typeof principal !== 'object' || typeof principal.sub !== 'string' || !principal.sub) {
    throw new TypeError(McpTestingMessages.invalidPrincipal('"sub" must be a non-empty string'));
  }
  const { sub, scopes = [], roles = [], clientId, claims } = principal;
  const bad = scopes.find((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope));
  if (bad !== undefined) throw new TypeError(McpTestingMessages.invalidPrincipal(`the scope ${JSON.stringify(bad)} is not an RFC 6749 scope-token`));
  if (roles.some((role) => typeof role !== 'string')) throw new TypeError(McpTestingMessages.invalidPrincipal('"roles" must be strings'));
  return {
    sub,
    ...(scopes.length && { scope: scopes.join(' ') }),
    ...(roles.length && { roles: [...roles] }),
    ...(clientId !== undefined && { client_id: clientId }),
    ...claims,
  };
}
