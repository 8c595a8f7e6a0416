const OAUTH = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';

/** The issuer's path without its trailing slash ('' for an issuer at the root, `https://tenant.auth0.com/` included). */
function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

/**
 * Where an issuer's metadata may be, in the order the MCP authorization spec has clients try them: RFC 8414 §3.1
 * (well-known segment inserted before the issuer's path), then OpenID Connect Discovery inserted, then appended.
 */
export function metadataUrls(issuer: string): string[] {
  const { origin } = new URL(issuer);
  const path = issuerPath(issuer);
  if (!path) return [`${origin}${OAUTH}`, `${origin}${OIDC}`];
  return [`${origin}${OAUTH}${path}`, `${origin}${OIDC}${path}`, `${origin}${path}${OIDC}`];
}

/**
 * The paths on the MCP origin that serve the mirrored metadata: the root forms a client uses when the MCP origin is
 * its authorization server base URL, and, for an issuer with a path, the three path forms of that issuer. Paths
 * with characters a route pattern would read as syntax are left out.
 */
export function mirrorPaths(issuer: string): string[] {
  const path = issuerPath(issuer);
  const paths = [OAUTH, OIDC];
  if (path && /^[A-Za-z0-9._~\-/]+$/.test(path) && !path.includes('//')) paths.push(`${OAUTH}${path}`, `${OIDC}${path}`, `${path}${OIDC}`);
  return paths;
}
