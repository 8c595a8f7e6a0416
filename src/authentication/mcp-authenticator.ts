import type { ModuleRef } from '@nestjs/core';
import type { McpPrincipal } from './mcp-principal.js';

/** What an authenticator sees of a request. */
export interface McpAuthRequest {
  /** The Bearer token from the `Authorization` header (RFC 6750 §2.1), the only place tokens are read from. */
  readonly token?: string;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The HTTP request (Express or Fastify); undefined over stdio. */
  readonly raw?: unknown;
  /** The HTTP response, for Passport strategies; undefined over stdio. */
  readonly response?: unknown;
  readonly transport: 'http' | 'stdio';
}

/**
 * Turns a request into a principal. Return `null` when the request carries no credentials this
 * authenticator understands (the next one is tried); throw `McpAuthenticationError` to refuse it (the chain stops).
 *
 * Implement it on an injectable class and list the class in `authenticate: [...]`:
 * @example
 * ```ts
 * @Injectable()
 * class ApiKeyAuthenticator implements McpAuthenticator {
 *   constructor(private readonly keys: ApiKeysService) {}
 *   async authenticate(req: McpAuthRequest) {
 *     const key = req.headers['x-api-key'];
 *     if (typeof key !== 'string') return null;
 *     const owner = await this.keys.find(key);
 *     if (!owner) throw new McpAuthenticationError('invalid_token');
 *     return toMcpPrincipal({ principal: { sub: owner.id }, scopes: owner.scopes }, 'custom');
 *   }
 * }
 * ```
 */
export interface McpAuthenticator {
  authenticate(request: McpAuthRequest): Promise<McpPrincipal | null> | McpPrincipal | null;
}
/** DI token under which the app may provide its own authenticator. */
export const McpAuthenticator = Symbol('McpAuthenticator');

/** What the module gives an authenticator while it is built (at startup). */
export interface McpAuthenticatorSetup {
  readonly moduleRef: ModuleRef;
  /** The canonical resource URL (RFC 8707), the default audience. */
  readonly resource?: string;
}

/** A configured authenticator, built by the module at startup (`McpJwt(...)`, `McpPassport(...)`, …). */
export interface McpAuthenticatorFactory {
  readonly kind: string;
  /** Scopes this authenticator declares (they are advertised in `scopes_supported`). */
  readonly scopes?: readonly string[];
  /** Issuers this authenticator trusts (defaults for `authorizationServers`). */
  readonly issuers?: readonly string[];
  /**
   * A development token the startup line may print in a ready-to-paste command. Only `McpStaticTokens` sets it (not
   * with `allowInProduction`); a real credential must never be put here.
   */
  readonly developmentToken?: string;
  create(setup: McpAuthenticatorSetup): McpAuthenticator | Promise<McpAuthenticator>;
}

/** A function authenticator: return a result, `null` for "not mine", or throw `McpAuthenticationError`. */
export type McpAuthenticateFn = (
  request: McpAuthRequest,
) => Promise<McpPrincipal | null> | McpPrincipal | null;

/** What `authenticate: [...]` accepts. */
export type McpAuthenticatorSpec =
  | McpAuthenticatorFactory
  | McpAuthenticateFn
  | (abstract new (...args: never[]) => McpAuthenticator)
  | typeof McpAuthenticator;

export function isAuthenticatorFactory(value: unknown): value is McpAuthenticatorFactory {
  return typeof value === 'object' && value !== null && typeof (value as McpAuthenticatorFactory).create === 'function';
}
