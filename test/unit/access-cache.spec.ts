import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModuleRef } from '@nestjs/core';
import fc from 'fast-check';
import { toMcpPrincipal, type McpPrincipal } from '../../src/authentication/mcp-principal.js';
import { McpAccess, type McpAccessTarget, type McpCaller } from '../../src/authorization/mcp-access.js';
import type { McpAuthorizationCheck } from '../../src/authorization/mcp-authorization-check.js';
import { McpAudit } from '../../src/authorization/mcp-audit.js';
import { McpAuthorizer } from '../../src/authorization/mcp-authorizer.js';
import { AnyOf, RequireAnyScope, RequireAuth, RequireRoles, RequireScopes, RestrictTag } from '../../src/authorization/mcp-checks.js';
import { McpErrorMapper } from '../../src/execution/mcp-error.mapper.js';
import type { McpContext } from '../../src/execution/mcp-context.js';
import type { McpResolvedOptions } from '../../src/mcp-auth.options.js';

/**
 * The pure-decision cache is a fast path of the same decision: whatever callers came before, the cached answer for a
 * caller must be exactly what evaluating the checks afresh for that caller answers.
 */
const options = { authorize: [], onDenied: 'challenge', logging: { startup: false, authDecisions: false } } as unknown as McpResolvedOptions;
const authorizer = new McpAuthorizer({} as ModuleRef, new McpErrorMapper(options), options);
const audit = new McpAudit(new McpErrorMapper(options), options);

const CHECKS: Record<string, McpAuthorizationCheck[]> = {
  admin: [RequireRoles('admin')],
  pair: [RequireRoles('admin', 'user')],
  scopes: [RequireScopes('a', 'b')],
  anyScope: [RequireAnyScope('a', 'c')],
  auth: [RequireAuth()],
  tagged: [RestrictTag('secret', ['b'])],
  either: [AnyOf(RequireRoles('admin user'), RequireScopes('c'))],
};
const components: McpAccessTarget[] = Object.entries(CHECKS).map(([name, checks]) => ({
  info: { kind: 'tool', name, tags: name === 'tagged' ? ['secret'] : [], metadata: {}, handler: `T#${name}` },
  authorization: authorizer.compile([], checks, `T#${name}`),
  enabled: true,
}));

// Lists drawn from small pools in which some differ only in how the same characters are split (`admin user` against
// `admin` + `user`): such callers must meet often under one cache.
const roles = fc.constantFrom<string[]>([], ['admin'], ['user'], ['admin', 'user'], ['user', 'admin'], ['admin user'], ['admin\u0000user'], ['admin', 'admin']);
const scopes = fc.constantFrom<string[]>([], ['a'], ['b'], ['c'], ['a', 'b'], ['a b'], ['b', 'a'], ['a', 'c'], ['a\u0000b']);
const principal = fc.record({ scopes, roles, anonymous: fc.boolean() }).map(({ scopes, roles, anonymous }): McpPrincipal => {
  const result = toMcpPrincipal({ principal: { sub: 's' }, scopes, roles }, 'custom');
  return anonymous ? Object.freeze({ ...result, source: 'anonymous' }) : result;
});

const callerOf = (p: McpPrincipal, canChallenge: boolean): McpCaller => ({
  principal: p,
  context: {} as McpContext,
  visibility: { allows: () => true },
  canChallenge,
});

describe('McpAccess: cached decisions', () => {
  it('equal a fresh evaluation for every caller, whatever callers were decided before (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(principal, fc.nat(components.length - 1), fc.boolean()), { minLength: 1, maxLength: 40 }), async (queries) => {
        const access = new McpAccess(authorizer, audit, new McpErrorMapper(options), options);
        // A new instance has an empty cache: it evaluates the checks for this caller.
        const uncached = () => new McpAccess(authorizer, audit, new McpErrorMapper(options), options);
        for (const [p, index, canChallenge] of queries) {
          const component = components[index];
          assert.ok(access.isPure(component));
          const caller = callerOf(p, canChallenge);
          assert.deepEqual(await access.admit(component, caller), await uncached().admit(component, caller));
          assert.equal(await access.listed(component, caller), await uncached().listed(component, caller));
        }
      }),
      { numRuns: 500 },
    );
  });
});
