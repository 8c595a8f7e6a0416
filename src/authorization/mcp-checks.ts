import { McpMessages } from '../mcp-auth.messages.js';
import {
  ALLOW,
  MCP_CHECK,
  type McpAuthorizationCheck,
  type McpAuthorizationContext,
  type McpBuiltinCheck,
  type McpCheckOutcome,
} from './mcp-authorization-check.js';

const deny = (failed: string, scopeOnly: boolean, requiredScopes: readonly string[] = []): McpCheckOutcome => ({
  allowed: false,
  scopeOnly,
  requiredScopes,
  failed,
});

function scopeTokens(where: string, scopes: string[]): string[] {
  if (!scopes.length || scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
    throw new Error(McpMessages.optionInvalid(where, 'one or more scope tokens', scopes));
  }
  return scopes;
}

function builtin(label: string, scopes: readonly string[], evaluate: McpBuiltinCheck['evaluate'], children?: readonly McpAuthorizationCheck[]): McpBuiltinCheck {
  return Object.freeze({ [MCP_CHECK]: true as const, label, scopes, evaluate, children });
}

/** Allows authenticated callers only (not the anonymous principal of `allowAnonymous`). */
export function RequireAuth(): McpBuiltinCheck {
  return builtin('RequireAuth()', [], ({ auth }) => (auth.source === 'anonymous' ? deny('RequireAuth()', false) : ALLOW));
}

/** Allows callers holding every one of these scopes. */
export function RequireScopes(...scopes: string[]): McpBuiltinCheck {
  const required = scopeTokens('RequireScopes', scopes);
  const label = `RequireScopes(${required.join(', ')})`;
  return builtin(label, required, ({ auth }) => {
    const missing = required.filter((s) => !auth.scopes.includes(s));
    return missing.length ? deny(label, true, missing) : ALLOW;
  });
}

/** Allows callers holding at least one of these scopes. */
export function RequireAnyScope(...scopes: string[]): McpBuiltinCheck {
  const accepted = scopeTokens('RequireAnyScope', scopes);
  const label = `RequireAnyScope(${accepted.join(', ')})`;
  return builtin(label, accepted, ({ auth }) =>
    accepted.some((s) => auth.scopes.includes(s)) ? ALLOW : deny(label, true, [accepted[0]]),
  );
}

/** Allows callers holding every one of these roles. */
export function RequireRoles(...roles: string[]): McpBuiltinCheck {
  if (!roles.length || roles.some((r) => typeof r !== 'string' || !r)) {
    throw new Error(McpMessages.optionInvalid('RequireRoles', 'one or more role names', roles));
  }
  const label = `RequireRoles(${roles.join(', ')})`;
  return builtin(label, [], ({ auth }) => (roles.every((r) => auth.roles.includes(r)) ? ALLOW : deny(label, false)));
}

/** Requires these scopes from components tagged `tag` only; others pass. Handy as a server-wide check. */
export function RestrictTag(tag: string, scopes: string[]): McpBuiltinCheck {
  const inner = RequireScopes(...scopes);
  return builtin(`RestrictTag(${tag}, ${scopes.join(' ')})`, inner.scopes, (context: McpAuthorizationContext, run) =>
    context.component.tags.includes(tag) ? run(inner) : ALLOW,
  );
}

/**
 * AND of checks, as `AllOf` and arrays mean it: a failure that would hide anyway (not scope-only, or with a
 * message) ends the evaluation; scope-only failures are all collected, so a step-up challenge names every scope.
 */
export async function evaluateAll(
  checks: readonly McpAuthorizationCheck[],
  run: (check: McpAuthorizationCheck) => Promise<McpCheckOutcome>,
): Promise<McpCheckOutcome> {
  let failed: McpCheckOutcome | undefined;
  const required = new Set<string>();
  for (const check of checks) {
    const outcome = await run(check);
    if (outcome.allowed) continue;
    if (outcome.message !== undefined || !outcome.scopeOnly) return outcome;
    failed ??= outcome;
    for (const scope of outcome.requiredScopes) required.add(scope);
  }
  return failed ? { ...failed, requiredScopes: [...required] } : ALLOW;
}

/** Allows when every check allows (an array means the same). */
export function AllOf(...checks: McpAuthorizationCheck[]): McpBuiltinCheck {
  return builtin('AllOf', collectScopes(checks), (_context, run) => evaluateAll(checks, run), checks);
}

/** Allows when any check allows. */
export function AnyOf(...checks: McpAuthorizationCheck[]): McpBuiltinCheck {
  return builtin('AnyOf', collectScopes(checks), async (_context, run) => {
    let first: McpCheckOutcome | undefined;
    let scopeOnly = true;
    for (const check of checks) {
      const outcome = await run(check);
      if (outcome.allowed) return ALLOW;
      first ??= outcome;
      scopeOnly &&= outcome.scopeOnly;
    }
    return first ? { ...first, scopeOnly, failed: 'AnyOf' } : ALLOW;
  }, checks);
}

/** Every scope named anywhere in these checks. */
export function collectScopes(checks: readonly McpAuthorizationCheck[]): string[] {
  const out = new Set<string>();
  const visit = (check: McpAuthorizationCheck) => {
    if (Array.isArray(check)) (check as McpAuthorizationCheck[]).forEach(visit);
    else if (typeof check === 'object' && check !== null && MCP_CHECK in check) {
      for (const s of (check as McpBuiltinCheck).scopes) out.add(s);
      (check as McpBuiltinCheck).children?.forEach(visit);
    }
  };
  checks.forEach(visit);
  return [...out];
}
