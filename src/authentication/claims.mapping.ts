import { McpAuthenticationError } from './mcp-authentication.error.js';
import { toMcpPrincipal, type McpPrincipal, type McpPrincipalSource } from './mcp-principal.js';

type Claims = Record<string, unknown>;

/** A dot path into the claims (`realm_access.roles`) or a function of them. */
export type McpClaimReader<T> = string | ((claims: Claims) => T);

/** Where the normalized fields come from in a token's claims. */
export interface McpClaimsMapping {
  /** Default `sub`. */
  sub?: McpClaimReader<unknown>;
  /** Default `client_id`, then `azp`. */
  clientId?: McpClaimReader<unknown>;
  /** Default `scope` (space-delimited, RFC 9068), then `scp` (array or string). */
  scopes?: McpClaimReader<unknown>;
  /** Default `roles`; Keycloak keeps them at `realm_access.roles`, Entra ID at `roles`, Cognito at `cognito:groups`. */
  roles?: McpClaimReader<unknown>;
}

export function readClaim(claims: Claims, reader: McpClaimReader<unknown>): unknown {
  if (typeof reader === 'function') return reader(claims);
  if (reader in claims) return claims[reader];
  let value: unknown = claims;
  for (const part of reader.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Claims)[part];
  }
  return value;
}

function toList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Builds the normalized result from verified claims. A token without a subject is refused. */
export function resultFromClaims(
  claims: Claims,
  mapping: McpClaimsMapping,
  source: McpPrincipalSource,
  token?: string,
): McpPrincipal {
  const sub = readClaim(claims, mapping.sub ?? 'sub');
  if (typeof sub !== 'string' || !sub) throw new McpAuthenticationError('invalid_token');
  const clientId = mapping.clientId ? readClaim(claims, mapping.clientId) : (claims.client_id ?? claims.azp);
  const scopes = mapping.scopes ? readClaim(claims, mapping.scopes) : (claims.scope ?? claims.scp);
  const result = toMcpPrincipal(
    {
      principal: { sub },
      clientId: typeof clientId === 'string' ? clientId : undefined,
      scopes: toList(scopes),
      roles: toList(readClaim(claims, mapping.roles ?? 'roles')),
      claims,
      expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    },
    source,
  );
  return token === undefined ? result : Object.freeze({ ...result, token });
}
