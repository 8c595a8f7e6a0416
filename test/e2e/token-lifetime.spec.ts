import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { McpJwt } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { ADAPTERS, post, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, bearer, INVALID_TOKEN, probeResult, startAuthApp } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, PrincipalProbe, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [{ id: 'agent', secret: 'agent-secret-0123456789', scopes: ['notes:read'] }];
const HOUR = 3600;
const TOO_LONG = 'The access token lifetime is too long';
const NO_IAT = 'The access token has no issue time (iat)';
const challenge = (description: string) =>
  `Bearer error="invalid_token", error_description="${description}", resource_metadata="${PRM_URL}"`;
const now = () => Math.floor(Date.now() / 1000);

/** Asserts a 401 invalid_token with the given description, and that the probe handler did not run. */
async function assertRefused(app: Fixture, token: string, description: string): Promise<void> {
  const calls = PrincipalProbe.calls;
  const response = await post(app.url, probeCall(), bearer(token));
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), challenge(description));
  assert.deepEqual(await response.json(), authErrorBody(INVALID_TOKEN));
  assert.equal(PrincipalProbe.calls, calls, 'the handler did not run');
}

async function assertServed(app: Fixture, token: string): Promise<void> {
  const response = await post(app.url, probeCall(), bearer(token));
  assert.equal(response.status, 200);
  assert.equal((await probeResult(response)).sub, 'agent');
}

for (const adapter of ADAPTERS) {
  describe(`McpJwt maxTokenLifetime refuses tokens that live too long (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer, maxTokenLifetime: HOUR })] },
      });
    });
    after(async () => {
      await app?.close();
      await idp?.close();
    });

    it("a real token from the identity provider (10 minutes) is served, again from the cache", async () => {
      const token = await idp.token('agent');
      await assertServed(app, token);
      await assertServed(app, token);
    });

    it('exp - iat at the limit is served; one second over it, or a year, is refused with invalid_token', async () => {
      const iat = now() - 60;
      await assertServed(app, await idp.forge({ sub: 'agent', aud: RESOURCE, iat, exp: iat + HOUR }));
      await assertRefused(app, await idp.forge({ sub: 'agent', aud: RESOURCE, iat, exp: iat + HOUR + 1 }), TOO_LONG);
      await assertRefused(app, await idp.forge({ sub: 'agent', aud: RESOURCE, iat: now(), exp: now() + 365 * 24 * HOUR }), TOO_LONG);
    });

    it('an old iat cannot pass for a short lifetime: what counts is exp - iat, not the time left', async () => {
      // Issued two days ago and valid one more minute: 48 hours of lifetime, though only 60 s remain.
      const iat = now() - 48 * HOUR;
      await assertRefused(app, await idp.forge({ sub: 'agent', aud: RESOURCE, iat, exp: now() + 60 }), TOO_LONG);
    });

    it('a token without iat is refused while the option is set', async () => {
      await assertRefused(app, await idp.forge({ sub: 'agent', aud: RESOURCE, iat: undefined }), NO_IAT);
    });

    it('the verified-token cache never serves a refused token: the same long-lived token is refused every time', async () => {
      const eternal = await idp.forge({ sub: 'agent', aud: RESOURCE, exp: now() + 30 * 24 * HOUR });
      const fetches = idp.jwksFetches();
      for (let i = 0; i < 3; i++) await assertRefused(app, eternal, TOO_LONG);
      // Concurrent copies race to the cache together: none of them gets in.
      await Promise.all(Array.from({ length: 10 }, () => assertRefused(app, eternal, TOO_LONG)));
      assert.equal(idp.jwksFetches(), fetches, 'refused on its claims, with the key already known');
    });
  });
}

describe('McpJwt maxTokenLifetime with the cache off and through McpJwt.fromJwtService', () => {
  let idp: TestIdp;
  let uncached: Fixture;
  let viaService: Fixture;
  before(async () => {
    idp = await startIdp(CLIENTS, RESOURCE);
    uncached = await startAuthApp('express', {
      mcp: { authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer, maxTokenLifetime: 300, cache: false })] },
    });
    viaService = await startAuthApp('fastify', {
      mcp: { authenticate: [McpJwt.fromJwtService({ maxTokenLifetime: HOUR })] },
      imports: [JwtModule.register({ secret: 'jwt-module-secret-0123456789abcdef' })],
    });
  });
  after(async () => {
    await uncached?.close();
    await viaService?.close();
    await idp?.close();
  });

  it("maxTokenLifetime 300 refuses the identity provider's own 10-minute token", async () => {
    await assertRefused(uncached, await idp.token('agent'), TOO_LONG);
  });

  it('JwtService-signed tokens: one hour is served; a day, or no iat, is refused', async () => {
    const jwt = viaService.app.get(JwtService);
    await assertServed(viaService, jwt.sign({ sub: 'agent', aud: RESOURCE }, { expiresIn: HOUR }));
    await assertRefused(viaService, jwt.sign({ sub: 'agent', aud: RESOURCE }, { expiresIn: 24 * HOUR }), TOO_LONG);
    await assertRefused(viaService, jwt.sign({ sub: 'agent', aud: RESOURCE, exp: now() + 60 }, { noTimestamp: true }), NO_IAT);
  });
});

describe('McpJwt maxTokenLifetime is validated at startup', () => {
  it('anything but a positive number of seconds stops startup, naming the option', () => {
    const base = { publicKey: { kty: 'RSA' }, issuer: 'https://i.example' } as never as Parameters<typeof McpJwt>[0];
    const rule = 'a number of seconds > 0';
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1h', null]) {
      const expected = McpMessages.optionInvalid('McpJwt maxTokenLifetime', rule, value);
      assert.throws(() => McpJwt({ ...base, maxTokenLifetime: value as never }), (error: Error) => (assert.equal(error.message, expected), true));
      const viaService = McpMessages.optionInvalid('McpJwt.fromJwtService maxTokenLifetime', rule, value);
      assert.throws(() => McpJwt.fromJwtService({ maxTokenLifetime: value as never }), (error: Error) => (assert.equal(error.message, viaService), true));
    }
  });
});
