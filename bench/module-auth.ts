import { McpJwt, type McpAuthModuleOptions } from 'nestjs-mcp-auth';

/**
 * The module peer's part of the auth variant (BENCH_AUTH=1): verify the same RS256 JWT the other peers verify
 * with jose (local public key, issuer and audience checked). The module remembers verified tokens until they
 * expire, so a repeated token costs a lookup, not a signature check; BENCH_JWT_CACHE=0 verifies every request,
 * like the peers do, for a like-for-like comparison.
 */
export function moduleAuthOptions(publicKeyPem: string, issuer: string, audience: string): Partial<McpAuthModuleOptions> {
  const cache = process.env.BENCH_JWT_CACHE === '0' ? false : undefined;
  return {
    resource: audience,
    allowAnonymous: false,
    authenticate: [McpJwt({ publicKey: publicKeyPem, algorithms: ['RS256'], issuer, audience, ...(cache === false && { cache }) })],
  };
}
