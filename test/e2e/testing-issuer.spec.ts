import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMcpTestIssuer, connectMcpTestClient, type McpTestIssuer } from 'nestjs-mcp-auth/testing';
import { ADAPTERS, post, type Fixture } from '../fixtures/app.fixture.js';
import { PRM_URL, PrincipalProbe, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';

const INVALID_TOKEN_CHALLENGE = `Bearer error="invalid_token", error_description="The access token is invalid or expired", resource_metadata="${PRM_URL}"`;
const ALICE = { sub: 'alice', scopes: ['notes:read', 'notes:write'], roles: ['editor'], clientId: 'agent-1' };

for (const adapter of ADAPTERS) {
  describe(`McpTestIssuer tokens against McpJwt over HTTP (${adapter})`, () => {
    let issuer: McpTestIssuer;
    let app: Fixture;

    before(async () => {
      issuer = await createMcpTestIssuer({ audience: RESOURCE });
      app = await startAuthApp(adapter, { mcp: { authenticate: [issuer.authenticator()] } });
    });
    after(async () => {
      await app.close();
      await issuer.close();
    });

    it('has its minted token accepted, and the handler sees the principal it names', async () => {
      const connection = await connectMcpTestClient(app.app, { issuer, principal: ALICE });
      try {
        const result = await connection.client.callTool({ name: 'principal', arguments: {} });
        assert.deepEqual(result.structuredContent, {
          sub: 'alice',
          clientId: 'agent-1',
          scopes: ['notes:read', 'notes:write'],
          roles: ['editor'],
          source: 'jwt',
          hasToken: false,
        });
      } finally {
        await connection.close();
      }
    });

    const bad: Array<[string, () => Promise<string>]> = [
      ['expired', () => issuer.mintExpired(ALICE)],
      ['for another audience', () => issuer.mintWrongAudience(ALICE)],
      ['from another issuer', () => issuer.mintWrongIssuer(ALICE)],
      ['signed by a key outside the JWKS', () => issuer.mintWrongKey(ALICE)],
    ];
    for (const [name, mint] of bad) {
      it(`refuses a token ${name} with 401 invalid_token, before any handler runs`, async () => {
        const calls = PrincipalProbe.calls;
        const response = await post(app.url, probeCall(), { authorization: `Bearer ${await mint()}` });
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), INVALID_TOKEN_CHALLENGE);
        assert.equal(PrincipalProbe.calls, calls);
      });
    }

    it('names itself as the authorization server in the protected resource metadata', async () => {
      const metadata = (await (await fetch(PRM_URL.replace('https://mcp.test.example', app.base))).json()) as Record<string, unknown>;
      assert.deepEqual(metadata.authorization_servers, [issuer.issuer]);
    });
  });
}

describe('McpTestIssuer', () => {
  it('serves its public key and RFC 8414 / OIDC discovery on loopback, never a private member', async () => {
    const issuer = await createMcpTestIssuer({ algorithm: 'ES256', audience: RESOURCE });
    try {
      assert.match(issuer.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const metadata = (await (await fetch(`${issuer.issuer}${path}`)).json()) as Record<string, unknown>;
        assert.equal(metadata.issuer, issuer.issuer);
        assert.equal(metadata.jwks_uri, issuer.jwksUri);
      }
      const jwks = (await (await fetch(issuer.jwksUri!)).json()) as { keys: Array<Record<string, unknown>> };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]!.alg, 'ES256');
      assert.equal(jwks.keys[0]!.kty, 'EC');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in jwks.keys[0]!, false, member);
      assert.equal((await fetch(`${issuer.issuer}/other`)).status, 404);
    } finally {
      await issuer.close();
    }
  });

  it('mints tokens with the claims McpJwt reads by default', async () => {
    const issuer = await createMcpTestIssuer({ serve: false, audience: RESOURCE });
    const token = await issuer.mint({ ...ALICE, expiresIn: 60, claims: { tenant: 't1' } });
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    assert.deepEqual({ ...header }, { alg: 'RS256', kid: 'mcp-test-key-1', typ: 'at+jwt' });
    assert.equal(payload.iss, 'https://issuer.mcp.test');
    assert.equal(payload.aud, RESOURCE);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.scope, 'notes:read notes:write');
    assert.deepEqual(payload.roles, ['editor']);
    assert.equal(payload.client_id, 'agent-1');
    assert.equal(payload.tenant, 't1');
    assert.equal(payload.exp - payload.iat, 60);
    assert.equal(typeof payload.jti, 'string');
  });

  it('asks for an audience rather than minting a token no server would accept', async () => {
    const issuer = await createMcpTestIssuer({ serve: false });
    await assert.rejects(issuer.mint({ sub: 'alice' }), /needs an audience/);
    assert.equal(typeof (await issuer.mint({ sub: 'alice', audience: RESOURCE })), 'string');
  });

  it('refuses to start with NODE_ENV=production unless allowed', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await assert.rejects(createMcpTestIssuer({ serve: false }), /refuses to start with NODE_ENV=production/);
      const allowed = await createMcpTestIssuer({ serve: false, allowInProduction: true });
      assert.equal(allowed.issuer, 'https://issuer.mcp.test');
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });

  it('hands its public key to McpJwt directly when not served', async () => {
    const issuer = await createMcpTestIssuer({ serve: false, audience: RESOURCE });
    assert.equal(issuer.jwksUri, undefined);
    const options = issuer.jwtOptions();
    assert.equal(options.jwksUri, undefined);
    assert.equal((options.publicKey as { kty?: string }).kty, 'RSA');
    assert.equal('d' in (options.publicKey as object), false);
    const app = await startAuthApp('express', { mcp: { authenticate: [issuer.authenticator()] } });
    try {
      const ok = await post(app.url, probeCall(), { authorization: `Bearer ${await issuer.mint({ sub: 'bob' })}` });
      assert.equal(ok.status, 200);
      const forged = await post(app.url, probeCall(), { authorization: `Bearer ${await issuer.mintWrongKey({ sub: 'bob' })}` });
      assert.equal(forged.status, 401);
    } finally {
      await app.close();
    }
  });
});
