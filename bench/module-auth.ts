import { McpJwt, type McpAuthModuleOptions } from 'nestjs-mcp-auth';

/**
 * The module peer's part of the auth variant: verify the same RS256 JWT the other peers verify with jose (local
 * public key, issuer and audience checked). The module's default remembers verified tokens until they expire, so a
 * repeated token costs a lookup rather than a signature check; for a like-for-like comparison the module peers verify
 * every request, as the peers do, and only the `module-cached-*` peers (BENCH_JWT_CACHE=1) keep the default.
 */
export function moduleAuthOptions(publicKeyPem: string, issuer: string, audience: string): Partial<McpAuthModuleOptions> {
  const cache = process.env.BENCH_JWT_CACHE === '1' ? undefined : false;
  return {
    resource: audience,
    allowAnonymous: false,
    authenticate: [McpJwt({ publicKey: publicKeyPem, algorithms: ['RS256'], issuer, audience, ...(cache === false && { cache }) })],
  };
}
