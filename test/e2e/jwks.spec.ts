import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { McpJwt, type JwksCacheOptions } from 'nestjs-mcp-auth';
import { post, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, bearer, INVALID_TOKEN, probeResult, startAuthApp } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [{ id: 'agent', secret: 'agent-secret-0123456789', scopes: ['notes:read'] }];
const INVALID_TOKEN_CHALLENGE = `Bearer error="invalid_token", error_description="The access token is invalid or expired", resource_metadata="${PRM_URL}"`;

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** A fresh IdP and an app verifying its tokens through the JWKS URL with the given cache options. */
async function setup(jwks: JwksCacheOptions, jwksUri?: (idp: TestIdp) => string): Promise<{ idp: TestIdp; app: Fixture }> {
  const idp = await startIdp(CLIENTS, RESOURCE);
  const app = await startAuthApp('express', {
    mcp: { authenticate: [McpJwt({ jwksUri: jwksUri ? jwksUri(idp) : idp.jwksUri, issuer: idp.issuer, jwks })] },
  });
  return { idp, app };
}

async function call(app: Fixture, token: string): Promise<Response> {
  return post(app.url, probeCall(), bearer(token));
}

async function assertAccepted(app: Fixture, token: string): Promise<void> {
  const response = await call(app, token);
  assert.equal(response.status, 200);
  assert.equal((await probeResult(response)).sub, 'agent');
}

async function assertInvalidToken(response: Response): Promise<void> {
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), INVALID_TOKEN_CHALLENGE);
  assert.deepEqual(await response.json(), authErrorBody(INVALID_TOKEN));
}

describe('JWKS: a new signing key is fetched once for any number of concurrent requests (single flight)', () => {
  let idp: TestIdp;
  let app: Fixture;
  // No cooldown: every request with an unknown kid may refetch, so only single flight keeps this at one fetch.
  before(async () => ({ idp, app } = await setup({ cooldownMs: 0 })));
  after(async () => {
    await app.close();
    await idp.close();
  });

  it('20 concurrent requests with a kid the app has not seen cause exactly one JWKS fetch, and all succeed', async () => {
    const first = await idp.token('agent');
    assert.equal(kidOf(first), 'key-1');
    const cold = idp.jwksFetches();
    await assertAccepted(app, first);
    assert.equal(idp.jwksFetches() - cold, 1, 'the first request fetched the JWKS');

    const kid = await idp.rotateKeys();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => idp.token('agent')));
    assert.equal(new Set(tokens).size, 20);
    for (const token of tokens) assert.equal(kidOf(token), kid, 'minted with the new key');

    const before = idp.jwksFetches();
    const responses = await Promise.all(tokens.map((token) => call(app, token)));
    assert.deepEqual(
      responses.map((r) => r.status),
      tokens.map(() => 200),
    );
    for (const response of responses) assert.equal((await probeResult(response)).sub, 'agent');
    assert.equal(idp.jwksFetches() - before, 1, 'one JWKS fetch for 20 concurrent unknown-kid tokens');
  });
});

describe('JWKS: a flood of unknown kids is refused without hammering the issuer (cooldown)', () => {
  let idp: TestIdp;
  let app: Fixture;
  before(async () => ({ idp, app } = await setup({ cooldownMs: 60_000 })));
  after(async () => {
    await app.close();
    await idp.close();
  });

  const flood = () =>
    Promise.all(
      Array.from({ length: 50 }, () =>
        idp.forge({ sub: 'agent', aud: RESOURCE }, { kid: `attacker-${crypto.randomUUID()}` }),
      ),
    );

  it('50 tokens with random kids on a cold app: one fetch (the first key set), all 401 invalid_token', async () => {
    const tokens = await flood();
    const before = idp.jwksFetches();
    const responses = await Promise.all(tokens.map((token) => call(app, token)));
    for (const response of responses) await assertInvalidToken(response);
    assert.equal(idp.jwksFetches() - before, 1);
  });

  it('another 50 within the cooldown cause no fetch at all, and a real token still works', async () => {
    const tokens = await flood();
    const before = idp.jwksFetches();
    const responses = await Promise.all(tokens.map((token) => call(app, token)));
    for (const response of responses) await assertInvalidToken(response);
    assert.equal(idp.jwksFetches() - before, 0);
    await assertAccepted(app, await idp.token('agent'));
    assert.equal(idp.jwksFetches() - before, 0, 'the known key needed no fetch');
  });
});

describe('JWKS: the cooldown ends, and then allows one more fetch', () => {
  let idp: TestIdp;
  let app: Fixture;
  before(async () => ({ idp, app } = await setup({ cooldownMs: 1000 })));
  after(async () => {
    await app.close();
    await idp.close();
  });

  it('unknown kids refetch at most once per cooldown period', async () => {
    await assertAccepted(app, await idp.token('agent'));
    const warm = Date.now();
    const forged = () => idp.forge({ sub: 'agent', aud: RESOURCE }, { kid: `attacker-${crypto.randomUUID()}` });
    const before = idp.jwksFetches();
    for (let i = 0; i < 10; i++) await assertInvalidToken(await call(app, await forged()));
    assert.equal(idp.jwksFetches() - before, 0, 'within the cooldown');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, warm + 1100 - Date.now())));
    const tokens = await Promise.all(Array.from({ length: 20 }, forged));
    for (const response of await Promise.all(tokens.map((t) => call(app, t)))) await assertInvalidToken(response);
    assert.equal(idp.jwksFetches() - before, 1, 'one fetch once the cooldown is over');
  });
});

describe('JWKS endpoint down: fail closed for new keys, keep the keys already held, never hang', () => {
  it('tokens signed with the cached key keep working; tokens with a new kid are refused until it is back', { timeout: 10_000 }, async () => {
    const { idp, app } = await setup({ cooldownMs: 0 });
    try {
      await assertAccepted(app, await idp.token('agent'));
      const cachedKeyToken = await idp.token('agent'); // key-1, never presented: not in the verified-token cache
      const cachedKeyLater = await idp.token('agent');
      idp.setJwksDown(true);
      const kid = await idp.rotateKeys();
      const newKeyToken = await idp.token('agent');
      assert.equal(kidOf(cachedKeyToken), 'key-1');
      assert.equal(kidOf(newKeyToken), kid);

      const before = idp.jwksFetches();
      const started = Date.now();
      await assertAccepted(app, cachedKeyToken);
      assert.equal(idp.jwksFetches() - before, 0, 'a known kid needs no fetch');
      await assertInvalidToken(await call(app, newKeyToken));
      assert.equal(idp.jwksFetches() - before, 1, 'the unknown kid was looked up once, and the failure survived');
      assert.ok(Date.now() - started < 2000, 'answered promptly');
      await assertAccepted(app, cachedKeyLater); // the failed fetch did not cost the keys already held

      idp.setJwksDown(false);
      await assertAccepted(app, newKeyToken);
      assert.equal(idp.jwksFetches() - before, 2);
    } finally {
      await app.close();
      await idp.close();
    }
  });

  it('stale keys (older than cacheMaxAgeMs) are kept while the endpoint is down', async () => {
    const { idp, app } = await setup({ cooldownMs: 0, cacheMaxAgeMs: 300 });
    try {
      await assertAccepted(app, await idp.token('agent'));
      const token = await idp.token('agent');
      idp.setJwksDown(true);
      await new Promise((resolve) => setTimeout(resolve, 350));
      const before = idp.jwksFetches();
      await assertAccepted(app, token);
      assert.equal(idp.jwksFetches() - before, 1, 'the stale set was refreshed (and the refresh failed)');
    } finally {
      await app.close();
      await idp.close();
    }
  });

  it('a cold app with the endpoint down refuses every token (no keys, no acceptance)', async () => {
    const cold = await setup({ cooldownMs: 0 });
    try {
      cold.idp.setJwksDown(true);
      await assertInvalidToken(await call(cold.app, await cold.idp.token('agent')));
      cold.idp.setJwksDown(false);
      await assertAccepted(cold.app, await cold.idp.token('agent'));
    } finally {
      await cold.app.close();
      await cold.idp.close();
    }
  });

  it('a JWKS endpoint that never answers is abandoned after jwks.timeoutMs and the token refused', { timeout: 10_000 }, async () => {
    const sockets = new Set<import('node:net').Socket>();
    const blackHole: Server = createServer((socket) => sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    const stuck = await setup({ timeoutMs: 300 }, () => `http://127.0.0.1:${port}/jwks`);
    try {
      const started = Date.now();
      await assertInvalidToken(await call(stuck.app, await stuck.idp.token('agent')));
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 2000, `refused after the timeout (${elapsed} ms)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
      await stuck.app.close();
      await stuck.idp.close();
    }
  });
});

describe('JWKS: key rotation by the issuer', () => {
  let idp: TestIdp;
  let app: Fixture;
  before(async () => ({ idp, app } = await setup({ cooldownMs: 0 })));
  after(async () => {
    await app.close();
    await idp.close();
  });

  let spareOld: string;

  it('after a rotation, tokens signed with the old key and with the new key both work', async () => {
    const oldUsed = await idp.token('agent');
    const oldFresh = await idp.token('agent');
    spareOld = await idp.token('agent');
    await assertAccepted(app, oldUsed);
    const kid = await idp.rotateKeys();
    const newToken = await idp.token('agent');
    assert.equal(kidOf(oldFresh), 'key-1');
    assert.equal(kidOf(newToken), kid);
    const before = idp.jwksFetches();
    await assertAccepted(app, newToken);
    assert.equal(idp.jwksFetches() - before, 1, 'the new key was fetched');
    await assertAccepted(app, oldUsed);
    await assertAccepted(app, oldFresh); // verified now, against the old key still published
    await assertAccepted(app, await idp.token('agent'));
    assert.equal(idp.jwksFetches() - before, 1, 'no further fetch');
  });

  // No `kid` (RFC 7515 makes it optional): with several published RS256 keys jose reports every candidate
  // (ERR_JWKS_MULTIPLE_MATCHING_KEYS, async-iterable); the verifier must try them, not refuse the token.
  it('a token without kid verifies before and after a rotation (every candidate key is tried)', async () => {
    const { idp: own, app: fresh } = await setup({ cooldownMs: 0 });
    try {
      const before = await own.forge({ sub: 'agent', aud: RESOURCE }, { kid: undefined });
      assert.equal(kidOf(before), undefined);
      await assertAccepted(fresh, before);
      await own.rotateKeys();
      const after = await own.forge({ sub: 'agent', aud: RESOURCE }, { kid: undefined });
      assert.equal(kidOf(after), undefined);
      await assertAccepted(fresh, await own.token('agent')); // the app now holds both keys
      await assertAccepted(fresh, after);
    } finally {
      await fresh.close();
      await own.close();
    }
  });

  it('a second rotation adds a third key; all three generations verify', async () => {
    const second = await idp.token('agent');
    const kid = await idp.rotateKeys();
    const third = await idp.token('agent');
    assert.equal(kidOf(second), 'key-2');
    assert.equal(kidOf(third), kid);
    await assertAccepted(app, third);
    await assertAccepted(app, second);
    assert.equal(kidOf(spareOld), 'key-1');
    await assertAccepted(app, spareOld);
  });
});
