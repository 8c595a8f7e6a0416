/** Who is calling, as every authenticator normalizes it. */
export interface McpPrincipalInfo {
  /** Stable subject identifier (`sub`). */
  readonly sub: string;
  readonly [key: string]: unknown;
}

/** Where an authentication result came from. */
export type McpAuthSource = 'jwt' | 'passport' | 'static' | 'introspection' | 'custom' | 'stdio' | 'anonymous';

/**
 * The one normalized result of authentication that handlers, guards, checks and logs all read.
 * Generic over the app's own claims: `@McpPrincipal() who: McpAuthResult<MyClaims>`.
 */
export interface McpAuthResult<TClaims extends object = Record<string, unknown>> {
  readonly principal: McpPrincipalInfo;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId?: string;
  /** Granted scopes (capabilities). */
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** The raw claims, read-only. */
  readonly claims: Readonly<TClaims>;
  readonly source: McpAuthSource;
  /** When the credential expires (epoch seconds). */
  readonly expiresAt?: number;
}

/** The principal of requests that carry no credentials, where that is allowed. */
export const ANONYMOUS: McpAuthResult = Object.freeze({
  principal: Object.freeze({ sub: 'anonymous' }),
  scopes: Object.freeze([]) as readonly string[],
  roles: Object.freeze([]) as readonly string[],
  claims: Object.freeze({}),
  source: 'anonymous',
});
