import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, base64url } from 'jose';
import { McpJwt, McpIntrospection } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { challengeParams, OPAQUE_RESOURCE, PRM_URL, PrincipalProbe, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [
  { id: 'agent-reader', secret: 'reader-secret-0123456789', scopes: ['notes:read'] },
  { id: 'agent-writer', secret: 'writer-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
];

for (const adapter of ADAPTERS) {
  describe(`authentication with a real identity provider (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;

    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startFixture({
        adapter,
        mcp: {
          allowAnonymous: false,
          resource: RESOURCE,
          authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })],
          scopesSupported: ['notes:read', 'notes:write'],
        },
        providers: [PrincipalProbe],
      });
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    it('serves protected resource metadata at the path-inserted and root well-known URLs (RFC 9728)', async () => {
      for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
        const response = await fetch(`${app.base}${path}`);
        assert.equal(response.status, 200, path);
        assert.match(response.headers.get('cache-control') ?? '', /public/);
        assert.deepEqual(await response.json(), {
          resource: RESOURCE,
          authorization_servers: [idp.issuer],
          bearer_methods_supported: ['header'],
          scopes_supported: ['notes:read', 'notes:write'],
        });
      }
    });

    it('answers a request without credentials with 401 and a challenge without error (RFC 6750 §3.1)', async () => {
      const response = await post(app.url, probeCall());
      assert.equal(response.status, 401);
      const header = response.headers.get('www-authenticate');
      assert.equal(header, `Bearer resource_metadata="${PRM_URL}"`);
      const body = (await response.json()) as { id: unknown; error: { message: string } };
      assert.equal(body.id, null);
      assert.match(body.error.message, /authentication is required/);
    });

    it('lets the real SDK client call a tool with a real token, and the handler sees the normalized principal', async () => {
      const token = await idp.token('agent-writer');
      const client = await connectClient(app.url, { authorization: `Bearer ${token}` });
      const result = await client.callTool({ name: 'principal', arguments: {} });
      assert.deepEqual(result.structuredContent, {
        sub: 'agent-writer',
        clientId: 'agent-writer',
        scopes: ['notes:read', 'notes:write'],
        roles: [],
        source: 'jwt',
        hasToken: false,
      });
      await client.close();
    });

    describe('refuses every bad credential before any handler runs', () => {
      const cases: Array<{ name: string; auth: () => Promise<Record<string, string>>; url?: () => string; error?: string }> = [
        { name: 'missing header', auth: async () => ({}), error: undefined },
        { name: 'wrong scheme', auth: async () => ({ authorization: `Basic ${btoa('a:b')}` }), error: 'invalid_token' },
        { name: 'empty token', auth: async () => ({ authorization: 'Bearer ' }), error: 'invalid_token' },
        { name: 'malformed JWT', auth: async () => ({ authorization: 'Bearer abc.def' }), error: 'invalid_token' },
        {
          name: 'alg none',
          auth: async () => {
            const payload = { iss: idp.issuer, aud: RESOURCE, sub: 'x', exp: Math.floor(Date.now() / 1000) + 600 };
            const token = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.`;
            return { authorization: `Bearer ${token}` };
          },
          error: 'invalid_token',
        },
        {
          name: 'HS256 signed with the RSA public key',
          auth: async () => {
            const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: object[] };
            const { createPublicKey } = await import('node:crypto');
            const pem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
            const token = await new SignJWT({ sub: 'x', aud: RESOURCE, iss: idp.issuer })
              .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
              .setExpirationTime('5m')
              .sign(new TextEncoder().encode(String(pem)));
            return { authorization: `Bearer ${token}` };
          },
          error: 'invalid_token',
        },
        {
          name: 'unknown kid (key the issuer never published)',
          auth: async () => {
            const { privateKey } = await generateKeyPair('RS256');
            const token = await new SignJWT({ sub: 'x', aud: RESOURCE, iss: idp.issuer })
              .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
              .setExpirationTime('5m')
              .sign(privateKey);
            return { authorization: `Bearer ${token}` };
          },
          error: 'invalid_token',
        },
        {
          name: 'tampered payload',
          auth: async () => {
            const [h, , s] = (await idp.token('agent-reader')).split('.');
            const forged = base64url.encode(
              JSON.stringify({ sub: 'agent-writer', aud: RESOURCE, iss: idp.issuer, scope: 'notes:write', exp: 9999999999 }),
            );
            return { authorization: `Bearer ${h}.${forged}.${s}` };
          },
          error: 'invalid_token',
        },
        {
          name: 'tampered signature',
          auth: async () => {
            const token = await idp.token('agent-reader');
            const flipped = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
            return { authorization: `Bearer ${flipped}` };
          },
          error: 'invalid_token',
        },
        {
          name: 'expired',
          auth: async () => ({
            authorization: `Bearer ${await idp.forge({ sub: 'x', aud: RESOURCE, exp: Math.floor(Date.now() / 1000) - 60 })}`,
          }),
          error: 'invalid_token',
        },
        {
          name: 'nbf in the future',
          auth: async () => ({
            authorization: `Bearer ${await idp.forge({ sub: 'x', aud: RESOURCE, nbf: Math.floor(Date.now() / 1000) + 600 })}`,
          }),
          error: 'invalid_token',
        },
        {
          name: 'iat in the future',
          auth: async () => ({
            authorization: `Bearer ${await idp.forge({ sub: 'x', aud: RESOURCE, iat: Math.floor(Date.now() / 1000) + 600 })}`,
          }),
          error: 'invalid_token',
        },
        {
          name: 'wrong iss',
          auth: async () => ({ authorization: `Bearer ${await idp.forge({ sub: 'x', aud: RESOURCE, iss: 'https://evil.example' })}` }),
          error: 'invalid_token',
        },
        {
          name: 'wrong aud',
          auth: async () => ({ authorization: `Bearer ${await idp.forge({ sub: 'x', aud: 'https://other.example/api' })}` }),
          error: 'invalid_token',
        },
        {
          name: 'missing aud',
          auth: async () => ({ authorization: `Bearer ${await idp.forge({ sub: 'x' })}` }),
          error: 'invalid_token',
        },
        {
          name: 'missing exp',
          auth: async () => ({ authorization: `Bearer ${await idp.forge({ sub: 'x', aud: RESOURCE, exp: undefined })}` }),
          error: 'invalid_token',
        },
        {
          name: 'real token for another resource',
          auth: async () => ({ authorization: `Bearer ${await idp.token('agent-writer', { resource: 'https://other.example/api' })}` }),
          error: 'invalid_token',
        },
        {
          name: 'oversize token (> 8 KiB)',
          auth: async () => ({ authorization: `Bearer ${'a'.repeat(9000)}.${'b'.repeat(10)}.c` }),
          error: 'invalid_token',
        },
        {
          name: 'token in the query string is ignored',
          auth: async () => ({}),
          url: () => `${app.url.href}?access_token=${encodeURIComponent('irrelevant')}`,
          error: undefined,
        },
      ];

      for (const c of cases) {
        it(c.name, async () => {
          const before = PrincipalProbe.calls;
          const headers = await c.auth();
          const response = await post(new URL(c.url ? c.url() : app.url.href), probeCall(), headers);
          assert.equal(response.status, 401);
          const params = challengeParams(response.headers.get('www-authenticate'));
          assert.equal(params.resource_metadata, PRM_URL);
          assert.equal(params.error, c.error);
          if (c.error) assert.equal(params.error_description, 'The access token is invalid or expired');
          const body = (await response.json()) as { jsonrpc: string; id: unknown; error: { code: number } };
          assert.equal(body.jsonrpc, '2.0');
          assert.equal(body.id, null);
          assert.equal(PrincipalProbe.calls, before, 'no handler ran');
          assert.ok(!JSON.stringify(body).includes(headers.authorization?.slice(7, 40) || '\u0000'), 'no token echoed');
        });
      }

      it('a real token in the query string alone is still refused', async () => {
        const token = await idp.token('agent-writer');
        const response = await post(new URL(`${app.url.href}?access_token=${token}`), probeCall());
        assert.equal(response.status, 401);
      });
    });
  });
}

describe('server-wide required scopes and token introspection', () => {
  let idp: TestIdp;
  let app: Fixture;
  let introspected: Fixture;

  before(async () => {
    idp = await startIdp(CLIENTS, RESOURCE);
    app = await startFixture({
      adapter: 'express',
      mcp: {
        allowAnonymous: false,
        resource: RESOURCE,
        requiredScopes: ['notes:read', 'notes:write'],
        authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })],
      },
      providers: [PrincipalProbe],
    });
    introspected = await startFixture({
      adapter: 'fastify',
      mcp: {
        allowAnonymous: false,
        resource: OPAQUE_RESOURCE,
        authenticate: [
          McpIntrospection({
            endpoint: idp.introspectionEndpoint,
            clientId: 'agent-reader',
            clientSecret: 'reader-secret-0123456789',
            cacheMaxAgeMs: 0,
          }),
        ],
      },
      providers: [PrincipalProbe],
    });
  });
  after(async () => {
    await app.close();
    await introspected.close();
    await idp.close();
  });

  it('advertises the required scopes in the 401 challenge', async () => {
    const response = await post(app.url, probeCall());
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${PRM_URL}", scope="notes:read notes:write"`);
  });

  it('answers a valid token lacking a server-wide scope with 403 insufficient_scope (granted ∪ required)', async () => {
    const token = await idp.token('agent-reader');
    const response = await post(app.url, probeCall(), { authorization: `Bearer ${token}` });
    assert.equal(response.status, 403);
    const params = challengeParams(response.headers.get('www-authenticate'));
    assert.equal(params.error, 'insufficient_scope');
    assert.equal(params.scope, 'notes:read notes:write');
    assert.equal(params.resource_metadata, PRM_URL);
  });

  it('refuses the same under-scoped token again once it is in the verified-token cache (answered synchronously)', async () => {
    const token = await idp.token('agent-reader');
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await post(app.url, probeCall(), { authorization: `Bearer ${token}` });
      assert.equal(response.status, 403, `attempt ${attempt + 1}`);
      assert.equal(challengeParams(response.headers.get('www-authenticate')).error, 'insufficient_scope');
    }
  });

  it('lets a token with every required scope through', async () => {
    const token = await idp.token('agent-writer');
    const response = await post(app.url, probeCall(), { authorization: `Bearer ${token}` });
    assert.equal(response.status, 200);
  });

  it('accepts an active token through RFC 7662 introspection and refuses it once revoked', async () => {
    const token = await idp.token('agent-reader', { resource: OPAQUE_RESOURCE });
    assert.doesNotMatch(token, /\./, 'an opaque token');
    const ok = await post(introspected.url, probeCall(), { authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { result: { structuredContent: { sub: string; source: string } } };
    assert.equal(body.result.structuredContent.source, 'introspection');
    await idp.revoke(token, 'agent-reader');
    const refused = await post(introspected.url, probeCall(), { authorization: `Bearer ${token}` });
    assert.equal(refused.status, 401);
    assert.equal(challengeParams(refused.headers.get('www-authenticate')).error, 'invalid_token');
  });
});

describe('JWT verification with a static public key', () => {
  it('verifies RS256 against a PEM key and refuses an HS256 token signed with that PEM', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const app = await startFixture({
      adapter: 'express',
      mcp: {
        allowAnonymous: false,
        resource: RESOURCE,
        authenticate: [McpJwt({ publicKey: pem, issuer: 'https://issuer.example' })],
      },
      providers: [PrincipalProbe],
    });
    try {
      const good = await new SignJWT({ sub: 'alice', scope: 'a b', aud: RESOURCE, iss: 'https://issuer.example' })
        .setProtectedHeader({ alg: 'RS256' })
        .setExpirationTime('5m')
        .sign(privateKey);
      const response = await post(app.url, probeCall(), { authorization: `Bearer ${good}` });
      assert.equal(response.status, 200);
      const confused = await new SignJWT({ sub: 'mallory', aud: RESOURCE, iss: 'https://issuer.example' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(pem));
      assert.equal((await post(app.url, probeCall(), { authorization: `Bearer ${confused}` })).status, 401);
    } finally {
      await app.close();
    }
  });
});
