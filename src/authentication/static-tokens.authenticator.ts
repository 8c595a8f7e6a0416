import { createHash, timingSafeEqual } from 'node:crypto';
import { McpMessages } from '../mcp-auth.messages.js';
import { toMcpPrincipal, type McpPrincipal, type McpPrincipalInit } from './mcp-principal.js';
import type { McpAuthenticatorFactory, McpAuthRequest } from './mcp-authenticator.js';

export interface McpStaticTokensOptions {
  /** Token value → who it stands for. */
  tokens: Record<string, McpPrincipalInit>;
  /** Static tokens refuse to start when NODE_ENV=production unless this is true. */
  allowInProduction?: boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Fixed bearer tokens for development and tests. Compared in constant time; refuses to start in production
 * unless `allowInProduction` is set.
 * @example `McpStaticTokens({ tokens: { 'dev-token': { principal: { sub: 'dev' }, scopes: ['notes:read'] } } })`
 */
export function McpStaticTokens(options: McpStaticTokensOptions): McpAuthenticatorFactory {
  if (!options || typeof options.tokens !== 'object' || options.tokens === null || !Object.keys(options.tokens).length) {
    throw new Error(McpMessages.optionInvalid('McpStaticTokens tokens', 'an object of token → { principal: { sub } }', options?.tokens));
  }
  const entries = Object.entries(options.tokens).map(([token, init]) => {
    // RFC 6750 b64token: anything else could never arrive in an Authorization: Bearer header.
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
      throw new Error(McpMessages.optionInvalid('McpStaticTokens tokens', 'tokens of RFC 6750 b64token characters (A-Z a-z 0-9 - . _ ~ + /)', '(a token with other characters)'));
    }
    return { digest: digest(token), result: toMcpPrincipal(init, 'static') };
  });
  const factory: McpAuthenticatorFactory = {
    kind: 'static',
    create() {
      if (process.env.NODE_ENV === 'production' && !options.allowInProduction) {
        throw new Error(McpMessages.staticTokensInProduction());
      }
      return {
        authenticate(request: McpAuthRequest): McpPrincipal | null {
          if (!request.token) return null;
          // Hash both sides to equal lengths and visit every entry, so timing says nothing about any token.
          const presented = digest(request.token);
          let found: McpPrincipal | null = null;
          for (const entry of entries) if (timingSafeEqual(entry.digest, presented)) found = entry.result;
          return found;
        },
      };
    },
  };
  if (!options.allowInProduction) {
    // For the startup line's curl command. Not enumerable, so serializing or logging the options does not show it.
    Object.defineProperty(factory, 'developmentToken', { value: Object.keys(options.tokens)[0], enumerable: false });
  }
  return factory;
}
