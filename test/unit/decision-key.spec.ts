import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toMcpPrincipal, type McpPrincipal } from '../../src/authentication/mcp-principal.js';
import { decisionKey } from '../../src/authorization/mcp-decision.cache.js';

/** What a pure decision reads: anonymity, and scopes and roles as sets. */
const sameInputs = (a: McpPrincipal, b: McpPrincipal) => {
  const set = (list: readonly string[]) => JSON.stringify([...new Set(list)].sort());
  return (a.source === 'anonymous') === (b.source === 'anonymous') && set(a.scopes) === set(b.scopes) && set(a.roles) === set(b.roles);
};

// Strings of the characters that broke the old key (space, NUL) and those JSON escapes, from a small alphabet so that
// collisions of the inputs themselves are frequent too.
const word = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\u0000', '"', '\\', ',', '[', ']'), maxLength: 4 });
const principal = fc
  .record({ scopes: fc.array(word, { maxLength: 4 }), roles: fc.array(word, { maxLength: 4 }), anonymous: fc.boolean() })
  .map(({ scopes, roles, anonymous }) =>
    anonymous ? ({ ...toMcpPrincipal({ principal: { sub: 'x' }, scopes, roles }, 'custom'), source: 'anonymous' } as McpPrincipal) : toMcpPrincipal({ principal: { sub: 'x' }, scopes, roles }, 'custom'),
  );

describe('decisionKey', () => {
  it('two callers share a key exactly when what a pure decision reads is the same (property, 20,000 pairs)', () => {
    fc.assert(
      fc.property(principal, principal, (a, b) => {
        assert.equal(decisionKey(a) === decisionKey(b), sameInputs(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('separates a role holding a space or NUL from the separate roles, and scopes from roles', () => {
    const of = (scopes: string[], roles: string[]) => decisionKey(toMcpPrincipal({ principal: { sub: 's' }, scopes, roles }, 'custom'));
    assert.notEqual(of([], ['admin user']), of([], ['admin', 'user']));
    assert.notEqual(of([], ['admin\u0000user']), of([], ['admin', 'user']));
    assert.notEqual(of(['admin'], []), of([], ['admin']));
    assert.equal(of(['b', 'a', 'a'], ['r']), of(['a', 'b'], ['r']));
  });

  it('is not memoized for a principal whose lists can still change', () => {
    const roles = ['reader'];
    const mutable = { principal: { sub: 'm' }, scopes: [], roles, claims: {}, source: 'custom' } as McpPrincipal;
    const before = decisionKey(mutable);
    roles.push('admin');
    assert.notEqual(decisionKey(mutable), before);
  });
});
