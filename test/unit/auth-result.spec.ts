import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toMcpPrincipal } from '../../src/authentication/mcp-principal.js';

describe('toMcpPrincipal', () => {
  it('completes and freezes a result, copying what it was given', () => {
    const scopes = ['notes:read'];
    const result = toMcpPrincipal({ principal: { sub: 'alice' }, clientId: 'app', scopes, claims: { tenant: 't1' }, expiresAt: 10 }, 'custom');
    assert.deepEqual(result, {
      principal: { sub: 'alice' },
      clientId: 'app',
      scopes: ['notes:read'],
      roles: [],
      claims: { tenant: 't1' },
      source: 'custom',
      expiresAt: 10,
    });
    scopes.push('notes:write');
    assert.deepEqual(result.scopes, ['notes:read'], 'later changes to the input do not reach the result');
    for (const part of [result, result.principal, result.scopes, result.roles, result.claims]) assert.ok(Object.isFrozen(part));
    assert.equal('clientId' in toMcpPrincipal({ principal: { sub: 'bob' } }, 'custom'), false);
  });

  it('copies an own "__proto__" claim as a plain property, never as the prototype of the copy', () => {
    const claims = JSON.parse('{"tenant":"t1","__proto__":{"admin":true}}') as Record<string, unknown>;
    const principal = JSON.parse('{"sub":"alice","__proto__":{"admin":true}}') as { sub: string };
    const result = toMcpPrincipal({ principal, claims }, 'custom');
    for (const copy of [result.claims, result.principal] as Array<Record<string, unknown>>) {
      assert.equal(Object.getPrototypeOf(copy), Object.prototype);
      assert.equal(copy.admin, undefined);
      assert.ok(Object.hasOwn(copy, '__proto__'));
      assert.ok(Object.isFrozen(copy));
    }
    assert.equal(result.claims.tenant, 't1');
  });

  it('refuses scopes or roles that are not arrays of strings', () => {
    for (const init of [{ scopes: 'notes:read notes:write' }, { roles: 'admin' }, { scopes: ['ok', 1] }]) {
      assert.throws(() => toMcpPrincipal({ principal: { sub: 'alice' }, ...(init as object) }, 'custom'), /must be an array of strings/);
    }
  });

  it('refuses a result without a subject', () => {
    assert.throws(() => toMcpPrincipal({ principal: { sub: '' } }, 'custom'), /principal\.sub/);
  });
});
