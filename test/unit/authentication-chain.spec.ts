import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpAuthenticationError } from '../../src/authentication/mcp-authentication.error.js';
import { toMcpPrincipal, type McpPrincipal } from '../../src/authentication/mcp-principal.js';
import { McpAuthenticationService, McpCredentialsMissing } from '../../src/authentication/mcp-authentication.service.js';
import type { McpAuthRequest } from '../../src/authentication/mcp-authenticator.js';
import { McpStaticTokens } from '../../src/authentication/static-tokens.authenticator.js';
import type { McpAuthModuleOptions } from '../../src/mcp-auth.options.js';
import { resolveMcpOptions } from '../../src/mcp-auth.options-resolver.js';

/**
 * The authenticator chain decides synchronously when every authenticator it asks answers synchronously (the MCP
 * route's guard then spares Nest a promise), and otherwise settles the same decision asynchronously. Both must give
 * the same results and the same refusals as `authenticate()`.
 */

const alice = toMcpPrincipal({ principal: { sub: 'alice' }, scopes: ['notes:read'] }, 'custom');

async function chain(options: Partial<McpAuthModuleOptions>): Promise<McpAuthenticationService> {
  const resolved = resolveMcpOptions({ name: 't', version: '1', resource: 'https://api.test/mcp', ...options } as McpAuthModuleOptions);
  const service = new McpAuthenticationService(undefined as never, resolved);
  await service.onModuleInit();
  return service;
}

const request = (token?: string): McpAuthRequest => ({
  token,
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  transport: 'http',
});

/** The outcome of `resolve`, noting whether it came synchronously. */
async function outcome(service: McpAuthenticationService, req: McpAuthRequest) {
  let value: McpPrincipal | Promise<McpPrincipal>;
  try {
    value = service.resolve(req);
  } catch (error) {
    return { sync: true, error };
  }
  if (!(value instanceof Promise)) return { sync: true, result: value };
  try {
    return { sync: false, result: await value };
  } catch (error) {
    return { sync: false, error };
  }
}

/** `authenticate()` always settles asynchronously, to the same result or refusal. */
async function agrees(service: McpAuthenticationService, req: McpAuthRequest, expected: { result?: unknown; error?: unknown }) {
  const promise = service.authenticate(req);
  assert.ok(promise instanceof Promise);
  if ('error' in expected && expected.error !== undefined) await assert.rejects(promise, (e) => e === expected.error || (e as Error).constructor === (expected.error as Error).constructor);
  else assert.equal(await promise, expected.result);
}

describe('the authenticator chain', () => {
  it('answers synchronously for a static token, no credentials, and refusals made synchronously', async () => {
    const service = await chain({
      allowAnonymous: true,
      authenticate: [McpStaticTokens({ tokens: { 'dev-token': { principal: { sub: 'dev' }, scopes: ['notes:read'] } } })],
    });
    const known = await outcome(service, request('dev-token'));
    assert.equal(known.sync, true);
    assert.equal(known.result?.principal.sub, 'dev');
    await agrees(service, request('dev-token'), { result: known.result });

    const none = await outcome(service, request());
    assert.equal(none.sync, true);
    assert.equal(none.result?.source, 'anonymous');

    const unknown = await outcome(service, request('other-token'));
    assert.equal(unknown.sync, true);
    assert.ok(unknown.error instanceof McpAuthenticationError);
    assert.equal((unknown.error as McpAuthenticationError).code, 'invalid_token');
    await agrees(service, request('other-token'), { error: unknown.error });
  });

  it('falls through asynchronous nulls to a synchronous answer, and settles asynchronously', async () => {
    const asked: string[] = [];
    const service = await chain({
      authenticate: [
        async () => {
          asked.push('first');
          return null;
        },
        () => {
          asked.push('second');
          return alice;
        },
      ],
    });
    const settled = await outcome(service, request('token'));
    assert.equal(settled.sync, false);
    assert.equal(settled.result, alice);
    assert.deepEqual(asked, ['first', 'second']);
  });

  it('refuses (invalid_token) when an authenticator breaks, synchronously or not, and keeps its own refusals', async () => {
    const broken = await chain({
      authenticate: [
        () => {
          throw new Error('database down');
        },
      ],
    });
    const sync = await outcome(broken, request('token'));
    assert.equal(sync.sync, true);
    assert.equal((sync.error as McpAuthenticationError).code, 'invalid_token');

    const rejecting = await chain({ authenticate: [async () => Promise.reject(new Error('database down'))] });
    const async = await outcome(rejecting, request('token'));
    assert.equal(async.sync, false);
    assert.equal((async.error as McpAuthenticationError).code, 'invalid_token');

    const own = new McpAuthenticationError('insufficient_scope', 'more needed', ['notes:write']);
    const refusing = await chain({ authenticate: [async () => Promise.reject(own)] });
    assert.equal((await outcome(refusing, request('token'))).error, own);
  });

  it('applies server-wide required scopes on both paths', async () => {
    const sync = await chain({ requiredScopes: ['notes:write'], authenticate: [() => alice] });
    const refusedNow = await outcome(sync, request('token'));
    assert.equal(refusedNow.sync, true);
    assert.equal((refusedNow.error as McpAuthenticationError).code, 'insufficient_scope');

    const later = await chain({ requiredScopes: ['notes:write'], authenticate: [async () => alice] });
    const refusedLater = await outcome(later, request('token'));
    assert.equal(refusedLater.sync, false);
    assert.equal((refusedLater.error as McpAuthenticationError).code, 'insufficient_scope');
  });

  it('asks for credentials when nothing was sent and anonymous callers are not allowed', async () => {
    const service = await chain({ allowAnonymous: false, authenticate: [async () => null] });
    const missing = await outcome(service, request());
    assert.equal(missing.sync, false);
    assert.ok(missing.error instanceof McpCredentialsMissing);
  });
});
