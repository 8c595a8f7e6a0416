import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { exportSPKI, generateKeyPair } from 'jose';
import {
  McpAuthenticationError,
  McpAuthenticator,
  McpJwt,
  McpStaticTokens,
  toMcpPrincipal,
  type McpAuthRequest,
  type McpPrincipal,
} from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { ADAPTERS, post, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, bearer, INVALID_TOKEN, probeResult, startAuthApp, UNAUTHORIZED } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, PrincipalProbe, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const INVALID_TOKEN_CHALLENGE = `Bearer error="invalid_token", error_description="The access token is invalid or expired", resource_metadata="${PRM_URL}"`;
const NO_CREDENTIALS_CHALLENGE = `Bearer resource_metadata="${PRM_URL}"`;
const STATIC = McpStaticTokens({
  tokens: {
    'static-alice': { principal: { sub: 'alice' }, scopes: ['notes:read', 'notes:write'], roles: ['editor'], clientId: 'cli' },
    'static-bob': { principal: { sub: 'bob' } },
  },
});
const probe = (sub: string, rest: Partial<Record<'clientId' | 'scopes' | 'roles' | 'source', unknown>> = {}) => ({
  sub,
  clientId: null,
  scopes: [],
  roles: [],
  source: 'static',
  hasToken: false,
  ...rest,
});

async function assertRefused(response: Response, challenge: string, message: string, status = 401): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('www-authenticate'), challenge);
  assert.deepEqual(await response.json(), authErrorBody(message));
}

/** Reads `x-api-key`: a known key is a principal, a revoked one an explicit refusal, anything else "not mine". */
function apiKeyFunction(request: McpAuthRequest): McpPrincipal | null {
  const key = request.headers['x-api-key'];
  if (key === 'revoked-key') throw new McpAuthenticationError('invalid_token', 'The API key was revoked');
  if (key === 'admin-only') throw new McpAuthenticationError('insufficient_scope', undefined, ['admin'], ['notes:read']);
  if (key === 'broken') throw new Error('key store unreachable');
  if (key === 'fn-key') return toMcpPrincipal({ principal: { sub: 'fn-user' }, scopes: ['notes:read'] }, 'custom');
  return null;
}

@Injectable()
class ApiKeysService {
  lookups = 0;
  find(key: string): { owner: string; scopes: string[] } | undefined {
    this.lookups++;
    return key === 'di-key' ? { owner: 'di-user', scopes: ['notes:write'] } : undefined;
  }
}

@Injectable()
class ApiKeyAuthenticator implements McpAuthenticator {
  constructor(private readonly keys: ApiKeysService) {}
  authenticate(request: McpAuthRequest): McpPrincipal | null {
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string') return null;
    const found = this.keys.find(key);
    if (!found) throw new McpAuthenticationError('invalid_token');
    return toMcpPrincipal({ principal: { sub: found.owner }, scopes: found.scopes }, 'custom');
  }
}

@Injectable()
class UnprovidedAuthenticator implements McpAuthenticator {
  authenticate(): null {
    return null;
  }
}

for (const adapter of ADAPTERS) {
  describe(`static tokens, chain order and custom authenticators (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    before(async () => {
      idp = await startIdp([{ id: 'agent', secret: 'agent-secret-0123456789', scopes: ['notes:read'] }], RESOURCE);
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [apiKeyFunction, STATIC, McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })] },
      });
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    it('a static token is its configured principal, scopes, roles and client, with source "static"', async () => {
      const alice = await post(app.url, probeCall(), bearer('static-alice'));
      assert.equal(alice.status, 200);
      const expected = probe('alice', { clientId: 'cli', scopes: ['notes:read', 'notes:write'], roles: ['editor'] });
      assert.deepEqual(await probeResult(alice), expected);
      assert.deepEqual(await probeResult(await post(app.url, probeCall(), bearer('static-bob'))), probe('bob'));
    });

    it('an unknown token, or a static token with a different case or suffix, is 401 invalid_token', async () => {
      for (const token of ['static-nobody', 'STATIC-ALICE', 'static-alice2', 'static-alic']) {
        await assertRefused(await post(app.url, probeCall(), bearer(token)), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      }
    });

    it('a JWT falls through the static tokens and is verified by McpJwt (source "jwt")', async () => {
      const response = await post(app.url, probeCall(), bearer(await idp.token('agent')));
      assert.deepEqual(await probeResult(response), probe('agent', { clientId: 'agent', scopes: ['notes:read'], source: 'jwt' }));
    });

    it('a function authenticator reads its own header (x-api-key) and returns a "custom" principal', async () => {
      const response = await post(app.url, probeCall(), { 'x-api-key': 'fn-key' });
      assert.deepEqual(await probeResult(response), probe('fn-user', { scopes: ['notes:read'], source: 'custom' }));
      // A key the function does not know is "not mine": nothing else has credentials, so 401 without an error.
      await assertRefused(await post(app.url, probeCall(), { 'x-api-key': 'unknown' }), NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    });

    it('an explicit McpAuthenticationError stops the chain even though a later authenticator would accept', async () => {
      const response = await post(app.url, probeCall(), { 'x-api-key': 'revoked-key', ...bearer('static-alice') });
      const challenge = `Bearer error="invalid_token", error_description="The API key was revoked", resource_metadata="${PRM_URL}"`;
      await assertRefused(response, challenge, INVALID_TOKEN);
      const scope = await post(app.url, probeCall(), { 'x-api-key': 'admin-only', ...bearer('static-alice') });
      const forbidden = `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", resource_metadata="${PRM_URL}", scope="notes:read admin"`;
      await assertRefused(scope, forbidden, 'Forbidden: the access token lacks a required scope', 403);
    });

    it('an authenticator that throws anything else refuses the request (fail closed), never falls through', async () => {
      const before = PrincipalProbe.calls;
      const response = await post(app.url, probeCall(), { 'x-api-key': 'broken', ...bearer('static-alice') });
      await assertRefused(response, INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      assert.equal(PrincipalProbe.calls, before);
    });
  });
}

describe('authenticators resolved through dependency injection', () => {
  it('an injectable class implementing McpAuthenticator gets its injected service', async () => {
    const app = await startAuthApp('express', { mcp: { authenticate: [ApiKeyAuthenticator] }, providers: [ApiKeysService, ApiKeyAuthenticator] });
    try {
      const keys = app.app.get(ApiKeysService);
      const ok = await post(app.url, probeCall(), { 'x-api-key': 'di-key' });
      assert.deepEqual(await probeResult(ok), probe('di-user', { scopes: ['notes:write'], source: 'custom' }));
      await assertRefused(await post(app.url, probeCall(), { 'x-api-key': 'wrong' }), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      assert.equal(keys.lookups, 2, 'the injected service did the lookups');
      await assertRefused(await post(app.url, probeCall()), NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    } finally {
      await app.close();
    }
  });

  it('the McpAuthenticator DI token resolves the app-provided authenticator', async () => {
    const app = await startAuthApp('fastify', {
      mcp: { authenticate: [McpAuthenticator] },
      providers: [ApiKeysService, { provide: McpAuthenticator, useClass: ApiKeyAuthenticator }],
    });
    try {
      assert.deepEqual(
        await probeResult(await post(app.url, probeCall(), { 'x-api-key': 'di-key' })),
        probe('di-user', { scopes: ['notes:write'], source: 'custom' }),
      );
    } finally {
      await app.close();
    }
  });
});

describe('allowAnonymous', () => {
  let app: Fixture;
  before(async () => (app = await startAuthApp('express', { mcp: { allowAnonymous: true, authenticate: [STATIC] } })));
  after(() => app.close());

  it('a request without credentials runs as the anonymous principal', async () => {
    const response = await post(app.url, probeCall());
    assert.equal(response.status, 200);
    assert.deepEqual(await probeResult(response), probe('anonymous', { source: 'anonymous' }));
  });

  it('bad credentials are still refused, whatever the scheme', async () => {
    for (const authorization of ['Bearer static-nobody', 'Basic YTpi', 'Bearer ']) {
      await assertRefused(await post(app.url, probeCall(), { authorization }), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
    }
    assert.deepEqual(await probeResult(await post(app.url, probeCall(), bearer('static-bob'))), probe('bob'));
  });
});

describe('startup refuses unsafe or incomplete authentication setups', () => {
  const rejects = (options: Parameters<typeof startAuthApp>[1], message: string) =>
    assert.rejects(startAuthApp('express', options), (error: Error) => {
      assert.equal(error.message, message);
      return true;
    });

  it('static tokens refuse NODE_ENV=production unless allowInProduction is set', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await rejects({ mcp: { authenticate: [STATIC] } }, McpMessages.staticTokensInProduction());
      const allowed = McpStaticTokens({ tokens: { 'prod-token': { principal: { sub: 'ops' } } }, allowInProduction: true });
      const app = await startAuthApp('express', { mcp: { authenticate: [allowed] } });
      try {
        assert.deepEqual(await probeResult(await post(app.url, probeCall(), bearer('prod-token'))), probe('ops'));
      } finally {
        await app.close();
      }
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });

  it('static tokens with characters a Bearer header cannot carry are refused at startup', () => {
    assert.throws(
      () => McpStaticTokens({ tokens: { 'has space': { principal: { sub: 'x' } } } }),
      (error: Error) => error.message.startsWith('McpAuthModule: option "McpStaticTokens tokens" must be tokens of RFC 6750 b64token characters'),
    );
  });

  it('authenticators without "resource" are refused', () =>
    rejects({ mcp: { resource: undefined, authenticate: [STATIC] } }, McpMessages.resourceRequired()));

  it('no authenticator and no allowAnonymous is refused', () =>
    rejects({ mcp: { authenticate: [], allowAnonymous: false } }, McpMessages.noAuthenticator()));

  it('an authenticator class that is not a provider is refused, naming the class', () =>
    rejects({ mcp: { authenticate: [UnprovidedAuthenticator] } }, McpMessages.authenticatorClassMissing('UnprovidedAuthenticator')));

  it('McpJwt refuses "none", HS* with a public key, RS* with a secret, and a missing issuer', async () => {
    const { publicKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const asymmetric = 'RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA';
    const keyRule = (list: string, kind: string) =>
      `a non-empty list from ${list} (a ${kind} never verifies other algorithms, and "none" is never allowed)`;
    const cases: Array<[() => unknown, string]> = [
      [() => McpJwt({ publicKey: pem, issuer: 'https://i.example', algorithms: ['none'] }), McpMessages.optionInvalid('McpJwt algorithms', keyRule(asymmetric, 'public key'), ['none'])],
      [() => McpJwt({ publicKey: pem, issuer: 'https://i.example', algorithms: ['HS256'] }), McpMessages.optionInvalid('McpJwt algorithms', keyRule(asymmetric, 'public key'), ['HS256'])],
      [() => McpJwt({ secret: 's'.repeat(32), issuer: 'https://i.example', algorithms: ['RS256'] }), McpMessages.optionInvalid('McpJwt algorithms', keyRule('HS256, HS384, HS512', 'secret'), ['RS256'])],
      [() => McpJwt({ secret: 's'.repeat(32), issuer: 'https://i.example', algorithms: ['none'] }), McpMessages.optionInvalid('McpJwt algorithms', keyRule('HS256, HS384, HS512', 'secret'), ['none'])],
      [() => McpJwt({ publicKey: pem } as never), McpMessages.optionRequired('McpJwt issuer', 'Set it to the "iss" your identity provider puts in tokens.')],
      [() => McpJwt({ publicKey: pem, issuer: '' }), McpMessages.optionRequired('McpJwt issuer', 'Set it to the "iss" your identity provider puts in tokens.')],
      [() => McpJwt({ publicKey: pem, secret: 'x', issuer: 'https://i.example' }), McpMessages.optionInvalid('McpJwt jwksUri | publicKey | secret', 'exactly one key source', 'several')],
      [() => McpJwt({ jwksUri: 'http://idp.example/jwks', issuer: 'https://i.example' }), McpMessages.optionInvalid('McpJwt jwksUri', 'an https URL (http only on loopback)', 'http://idp.example/jwks')],
      [() => McpJwt.fromJwtService({ algorithms: ['HS256', 'none'] }), McpMessages.optionInvalid('McpJwt.fromJwtService algorithms', 'a list without "none"', ['HS256', 'none'])],
    ];
    for (const [create, message] of cases) assert.throws(create, (error: Error) => (assert.equal(error.message, message), true));
  });
});
