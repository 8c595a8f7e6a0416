/** Who is calling, as every authenticator normalizes it. */
export interface McpPrincipalInfo {
  /** Stable subject identifier (`sub`). */
  readonly sub: string;
  readonly [key: string]: unknown;
}

/** Where an authentication result came from. */
export type McpPrincipalSource = 'jwt' | 'passport' | 'static' | 'introspection' | 'custom' | 'stdio' | 'anonymous';

/**
 * The one normalized result of authentication that handlers, guards, checks and logs all read.
 * Generic over the app's own claims: `@McpPrincipal() who: McpPrincipal<MyClaims>`.
 */
export interface McpPrincipal<TClaims extends object = Record<string, unknown>> {
  readonly principal: McpPrincipalInfo;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId?: string;
  /** Granted scopes (capabilities). */
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** The raw claims, read-only. */
  readonly claims: Readonly<TClaims>;
  readonly source: McpPrincipalSource;
  /** When the credential expires (epoch seconds). */
  readonly expiresAt?: number;
  /** The raw access token: present only when the app opts in with `exposeToken: true`. Never log it. */
  readonly token?: string;
}

/**
 * What an app's own authenticator, a static token or `stdio.principal` returns: the rest is filled in.
 * @example `{ principal: { sub: 'alice' }, scopes: ['notes:read'] }`
 */
export interface McpPrincipalInit<TClaims extends object = Record<string, unknown>> {
  principal: { sub: string; [key: string]: unknown };
  clientId?: string;
  scopes?: readonly string[];
  roles?: readonly string[];
  claims?: TClaims;
  expiresAt?: number;
}

/** The principal of requests that carry no credentials, where that is allowed. */
export const ANONYMOUS: McpPrincipal = Object.freeze({
  principal: Object.freeze({ sub: 'anonymous' }),
  scopes: Object.freeze([]) as readonly string[],
  roles: Object.freeze([]) as readonly string[],
  claims: Object.freeze({}),
  source: 'anonymous',
});

/** Completes and freezes a partial result; throws when it has no usable subject. */
export function toMcpPrincipal(init: McpPrincipalInit, source: McpPrincipalSource): McpPrincipal {
  if (!init || typeof init !== 'object' || !init.principal || typeof init.principal.sub !== 'string' || !init.principal.sub) {
    throw new TypeError('an authentication result needs principal.sub (a non-empty string)');
  }
  for (const list of ['scopes', 'roles'] as const) {
    const value = init[list];
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
      throw new TypeError(`an authentication result's ${list} must be an array of strings`);
    }
  }
  // Built field by field (one result per verified token, on the request path): no intermediate objects.
  const result: { -readonly [K in keyof McpPrincipal]: McpPrincipal[K] } = {
    principal: Object.freeze(copyOwn(init.principal)),
    scopes: Object.freeze(init.scopes ? init.scopes.slice() : []),
    roles: Object.freeze(init.roles ? init.roles.slice() : []),
    claims: Object.freeze(copyOwn(init.claims)),
    source,
  };
  if (init.clientId !== undefined) result.clientId = init.clientId;
  if (init.expiresAt !== undefined) result.expiresAt = init.expiresAt;
  return Object.freeze(result);
}

/**
 * A shallow copy of an object's own enumerable properties, as spread makes it. Object.assign makes the same copy
 * faster (V8 freezes its result several times faster than a spread's), except for an own `__proto__` key (JSON can
 * carry one), which it would apply as the copy's prototype: spread copies that one as a plain property.
 */
function copyOwn<T extends object>(source: T | undefined): T {
  if (source === undefined || source === null) return {} as T;
  return Object.hasOwn(source, '__proto__') ? { ...source } : Object.assign({}, source);
}

/** The request property where the authentication guard leaves its result. */
export const MCP_AUTH_RESULT_KEY = Symbol.for('nestjs-mcp-auth.result');

/** The result `McpAuthenticationGuard` stored on this HTTP request (Express or Fastify), if any. */
export function getMcpPrincipal(request: unknown): McpPrincipal | undefined {
  return request && typeof request === 'object'
    ? ((request as Record<symbol, McpPrincipal | undefined>)[MCP_AUTH_RESULT_KEY] ?? undefined)
    : undefined;
}

export function setMcpPrincipal(request: unknown, result: McpPrincipal): void {
  // A plain symbol-keyed property: invisible to JSON, Object.keys and for...in, and far cheaper on the request path
  // than defineProperty (which also pushed the request object into a slower shape).
  (request as Record<symbol, McpPrincipal>)[MCP_AUTH_RESULT_KEY] = result;
}
