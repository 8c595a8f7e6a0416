import { Logger } from '@nestjs/common';
import { McpMessages } from '../mcp-auth.messages.js';
import { resultFromClaims, type McpClaimsMapping } from './claims.mapping.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';
import type { McpPrincipal } from './mcp-principal.js';
import type { McpAuthenticatorFactory, McpAuthRequest } from './mcp-authenticator.js';
import { requireScopes } from './scopes.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

export interface McpIntrospectionOptions {
  /** The authorization server's RFC 7662 introspection endpoint. */
  endpoint: string;
  /** This resource server's client credentials at the authorization server. */
  clientId: string;
  clientSecret: string;
  /** Expected audience; defaults to the module's `resource`. A response with an `aud` that lacks it is refused. */
  audience?: string;
  /** Expected issuer, when the response carries `iss`. */
  issuer?: string;
  requiredScopes?: string[];
  claims?: McpClaimsMapping;
  /** Active tokens are remembered until they expire, at most this long (revocation latency). Default 60 s. */
  cacheMaxAgeMs?: number;
  timeoutMs?: number;
}

/**
 * Opaque tokens checked at the authorization server (RFC 7662). Inactive tokens are refused; an unreachable
 * endpoint refuses too (fail closed).
 */
export function McpIntrospection(options: McpIntrospectionOptions): McpAuthenticatorFactory {
  for (const key of ['endpoint', 'clientId', 'clientSecret'] as const) {
    if (typeof options?.[key] !== 'string' || !options[key]) {
      throw new Error(McpMessages.optionRequired(`McpIntrospection ${key}`, 'Introspection needs the endpoint and this server\'s client credentials.'));
    }
  }
  return {
    kind: 'introspection',
    scopes: options.requiredScopes ?? [],
    issuers: options.issuer ? [options.issuer] : [],
    create: (setup) => {
      const audience = options.audience ?? setup.resource;
      const cache = new VerifiedTokenCache(10_000, options.cacheMaxAgeMs ?? 60_000);
      const logger = new Logger('McpAuthModule');
      const authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
      return {
        async authenticate(request: McpAuthRequest): Promise<McpPrincipal | null> {
          const token = request.token;
          if (!token) return null;
          let result = cache.get(token);
          if (!result) {
            let body: Record<string, unknown>;
            try {
              const response = await fetch(options.endpoint, {
                method: 'POST',
                headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
                body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
                redirect: 'error',
                signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
              });
              if (!response.ok) throw new Error(`HTTP ${response.status}`);
              body = (await response.json()) as Record<string, unknown>;
            } catch (error) {
              logger.warn(`Token introspection failed (${(error as Error).message}); the request is refused`);
              throw new McpAuthenticationError('invalid_token');
            }
            if (body.active !== true) throw new McpAuthenticationError('invalid_token');
            if (typeof body.exp === 'number' && body.exp <= Date.now() / 1000) throw new McpAuthenticationError('invalid_token');
            if (options.issuer && body.iss !== undefined && body.iss !== options.issuer) throw new McpAuthenticationError('invalid_token');
            if (options.audience && body.aud === undefined) throw new McpAuthenticationError('invalid_token');
            if (audience && body.aud !== undefined && !([] as unknown[]).concat(body.aud).includes(audience)) {
              throw new McpAuthenticationError('invalid_token');
            }
            // RFC 7662 makes `sub` optional; a client_credentials token stands for its client.
            const mapping = { sub: (c: Record<string, unknown>) => c.sub ?? c.client_id, ...options.claims };
            result = resultFromClaims(body, mapping, 'introspection');
            cache.set(token, result);
          }
          requireScopes(result, options.requiredScopes);
          return result;
        },
      };
    },
  };
}
