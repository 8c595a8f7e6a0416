import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { discoverAuthorizationServerMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpJwt, type McpAuthModuleOptions, type McpRemoteAuthorizationServerOptions } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { ADAPTERS, type AdapterName, type Fixture } from '../fixtures/app.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';
import { RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

type Mode = 'ok' | 'error' | 'wrong-issuer' | 'hang' | 'redirect-to-metadata' | 'not-json';

/** A stand-in issuer on loopback whose metadata endpoint the test controls and counts. */
interface FakeIssuer {
  issuer: string;
  origin: string;
  document: Record<string, unknown>;
  hits: string[];
  mode: Mode;
  delayMs: number;
  close(): Promise<void>;
}

async function startIssuer(path = ''): Promise<FakeIssuer> {
  const sockets = new Set<Socket>();
  const state = { hits: [] as string[], mode: 'ok' as Mode, delayMs: 0 };
  let issuer = '';
  let document: Record<string, unknown> = {};
  const reply = (res: ServerResponse, url: string) => {
    // Served at the RFC 8414 path-inserted URL only: the other discovery forms answer 404.
    if (url !== `/.well-known/oauth-authorization-server${path}`) return res.writeHead(404).end();
    switch (state.mode) {
      case 'ok':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
      case 'wrong-issuer':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...document, issuer: 'https://impostor.example' }));
      case 'not-json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>upstream SECRET-DETAIL</html>');
      case 'error':
        return res.writeHead(500, { 'content-type': 'text/plain' }).end('stack trace with SECRET-DETAIL');
      case 'redirect-to-metadata':
        return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      case 'hang':
        return; // never answers
    }
  };
  const server: Server = createServer((req, res) => {
    state.hits.push(req.url ?? '');
    setTimeout(() => reply(res, req.url ?? ''), state.delayMs);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  issuer = `${origin}${path}`;
  document = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
  };
  return Object.assign(state, {
    issuer,
    origin,
    document,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as FakeIssuer;
}

async function startMirror(
  adapter: AdapterName,
  issuer: { issuer: string; origin: string },
  server: Partial<McpRemoteAuthorizationServerOptions> = {},
  mcp: Partial<McpAuthModuleOptions> = {},
): Promise<Fixture> {
  return startAuthApp(adapter, {
    mcp: {
      authenticate: [McpJwt({ jwksUri: `${issuer.origin}/jwks`, issuer: issuer.issuer })],
      authorizationServer: { mode: 'remote', issuer: issuer.issuer, mirrorMetadata: true, ...server },
      outbound: { allow: [issuer.origin] },
      ...mcp,
    },
  });
}

const get = (app: Fixture, path: string) => fetch(`${app.base}${path}`);

async function assertUnavailable(response: Response, status: number): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.match(response.headers.get('retry-after') ?? '', /^\d+$/);
  const text = await response.text();
  assert.deepEqual(JSON.parse(text), { error: 'temporarily_unavailable', error_description: McpMessages.issuerMetadataUnavailable() });
  assert.ok(!text.includes('SECRET') && !text.includes('169.254') && !text.includes('127.0.0.1'), 'nothing of the upstream leaks');
}

for (const adapter of ADAPTERS) {
  describe(`authorization server metadata mirror (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    before(async () => {
      idp = await startIdp([{ id: 'agent', secret: 'agent-secret-0123456789', scopes: ['notes:read'] }], RESOURCE);
      app = await startMirror(adapter, { issuer: idp.issuer, origin: idp.issuer });
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    it('serves the real issuer\'s own discovery document at the RFC 8414 and OIDC well-known paths of the MCP origin', async () => {
      const upstream = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const response = await get(app, path);
        assert.equal(response.status, 200, path);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        assert.match(response.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
        assert.deepEqual(await response.json(), upstream);
      }
    });

    it('is what the SDK client finds when it takes the MCP origin as its authorization server (2025-03-26 flow)', async () => {
      const metadata = await discoverAuthorizationServerMetadata(app.base);
      assert.equal(metadata?.issuer, idp.issuer);
      assert.equal(metadata?.token_endpoint, `${idp.issuer}/token`);
    });

    it('advertises the issuer in the protected resource metadata', async () => {
      const prm = (await (await get(app, '/.well-known/oauth-protected-resource/mcp')).json()) as { authorization_servers: string[] };
      assert.deepEqual(prm.authorization_servers, [idp.issuer]);
    });

    it('is not served without mirrorMetadata', async () => {
      const plain = await startMirror(adapter, { issuer: idp.issuer, origin: idp.issuer }, { mirrorMetadata: false });
      try {
        assert.equal((await get(plain, '/.well-known/oauth-authorization-server')).status, 404);
      } finally {
        await plain.close();
      }
    });
  });

  describe(`mirror of an issuer with a path: discovery order, cache, single flight, failures (${adapter})`, () => {
    let issuer: FakeIssuer;
    let app: Fixture;
    before(async () => {
      issuer = await startIssuer('/realms/acme');
      app = await startMirror(adapter, issuer, { metadataTtlMs: 1000, metadataRetryMs: 60_000 });
    });
    after(async () => {
      await app.close();
      await issuer.close();
    });

    it('serves every path form the MCP spec lists for an issuer with a path, from one upstream fetch', async () => {
      const paths = [
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server/realms/acme',
        '/.well-known/openid-configuration/realms/acme',
        '/realms/acme/.well-known/openid-configuration',
      ];
      for (const path of paths) {
        const response = await get(app, path);
        assert.equal(response.status, 200, path);
        assert.deepEqual(await response.json(), issuer.document, path);
      }
      assert.deepEqual(issuer.hits, ['/.well-known/oauth-authorization-server/realms/acme'], 'RFC 8414 path-inserted form first, fetched once');
    });

    it('fetches again only after metadataTtlMs', async () => {
      issuer.hits.length = 0;
      await get(app, '/.well-known/oauth-authorization-server');
      assert.equal(issuer.hits.length, 0, 'still fresh');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await get(app, '/.well-known/oauth-authorization-server')).status, 200);
      assert.equal(issuer.hits.length, 1);
    });

    it('keeps serving the last good copy when the issuer fails, and does not retry within metadataRetryMs', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      issuer.mode = 'error';
      issuer.hits.length = 0;
      for (let i = 0; i < 5; i++) {
        const response = await get(app, '/.well-known/openid-configuration');
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), issuer.document);
      }
      assert.equal(issuer.hits.length, 3, 'one failed refresh (three discovery URLs), then the cooldown');
      issuer.mode = 'ok';
    });
  });

  describe(`mirror: one upstream fetch for concurrent requests (${adapter})`, () => {
    it('20 concurrent requests on a cold mirror cause exactly one upstream fetch', async () => {
      const issuer = await startIssuer();
      issuer.delayMs = 200;
      const app = await startMirror(adapter, issuer);
      try {
        const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(app, i % 2 ? '/.well-known/openid-configuration' : '/.well-known/oauth-authorization-server')));
        for (const response of responses) {
          assert.equal(response.status, 200);
          assert.deepEqual(await response.json(), issuer.document);
        }
        assert.deepEqual(issuer.hits, ['/.well-known/oauth-authorization-server']);
      } finally {
        await app.close();
        await issuer.close();
      }
    });
  });

  describe(`mirror fails closed without leaking the upstream (${adapter})`, () => {
    const cases: Array<{ name: string; mode: Mode; status: number }> = [
      { name: 'an upstream 500 with details in its body', mode: 'error', status: 502 },
      { name: 'a document naming another issuer (RFC 8414 §3.3)', mode: 'wrong-issuer', status: 502 },
      { name: 'a body that is not JSON', mode: 'not-json', status: 502 },
      { name: 'a redirect to the cloud metadata address', mode: 'redirect-to-metadata', status: 502 },
      { name: 'an upstream that never answers (metadataTimeoutMs)', mode: 'hang', status: 503 },
    ];
    for (const c of cases) {
      it(`answers ${c.status} to ${c.name}`, { timeout: 10_000 }, async () => {
        const issuer = await startIssuer();
        issuer.mode = c.mode;
        const app = await startMirror(adapter, issuer, { metadataTimeoutMs: 300, metadataRetryMs: 60_000 });
        try {
          const started = Date.now();
          await assertUnavailable(await get(app, '/.well-known/oauth-authorization-server'), c.status);
          assert.ok(Date.now() - started < 2000, 'answered promptly');
          const hits = issuer.hits.length;
          await assertUnavailable(await get(app, '/.well-known/openid-configuration'), c.status);
          assert.equal(issuer.hits.length, hits, 'no new attempt within metadataRetryMs');
        } finally {
          await app.close();
          await issuer.close();
        }
      });
    }

    it('answers 503 when the issuer is unreachable', async () => {
      const issuer = await startIssuer();
      await issuer.close();
      const app = await startMirror(adapter, issuer);
      try {
        await assertUnavailable(await get(app, '/.well-known/oauth-authorization-server'), 503);
      } finally {
        await app.close();
      }
    });
  });
}

describe('mirror: the safe fetch guards the module\'s own requests', () => {
  it('an issuer whose name resolves to a private address is never contacted (503), even with a valid configuration', async () => {
    const issuer = await startIssuer();
    const app = await startAuthApp('express', {
      mcp: {
        authenticate: [McpJwt({ jwksUri: `${issuer.origin}/jwks`, issuer: 'https://idp.internal.example' })],
        authorizationServer: { mode: 'remote', issuer: 'https://idp.internal.example', mirrorMetadata: true },
        outbound: { lookup: async () => [{ address: '10.0.0.8', family: 4 }] },
      },
    });
    try {
      await assertUnavailable(await get(app, '/.well-known/oauth-authorization-server'), 503);
      assert.equal(issuer.hits.length, 0);
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});

describe('authorizationServer options are checked at startup', () => {
  const refused = async (mcp: Partial<McpAuthModuleOptions>, message: string) => {
    await assert.rejects(startAuthApp('express', { mcp: { authenticate: [McpJwt({ jwksUri: 'https://idp.example/jwks', issuer: 'https://idp.example' })], ...mcp } }), (e: Error) => {
      assert.equal(e.message, message);
      return true;
    });
  };

  it('refuses an unknown mode', () =>
    refused({ authorizationServer: { mode: 'proxy', issuer: 'https://idp.example' } as never }, McpMessages.optionInvalid('authorizationServer.mode', '"remote" (an existing authorization server issues the tokens)', 'proxy')));

  it('refuses a plain http issuer unless outbound.allow names its origin', async () => {
    const expected = 'an https URL without query, fragment or credentials (plain http only for an origin listed in outbound.allow)';
    await refused({ authorizationServer: { mode: 'remote', issuer: 'http://idp.example' } }, McpMessages.optionInvalid('authorizationServer.issuer', expected, 'http://idp.example'));
    await refused({ authorizationServer: { mode: 'remote', issuer: 'https://idp.example/?x=1' } }, McpMessages.optionInvalid('authorizationServer.issuer', expected, 'https://idp.example/?x=1'));
    await refused({ authorizationServer: { mode: 'remote', issuer: 'ftp://idp.example' } }, McpMessages.optionInvalid('authorizationServer.issuer', expected, 'ftp://idp.example'));
  });

  it('refuses authorizationServers that leave the issuer out', () =>
    refused(
      { authorizationServer: { mode: 'remote', issuer: 'https://idp.example' }, authorizationServers: ['https://other.example'] },
      McpMessages.optionInvalid('authorizationServers', 'a list that includes authorizationServer.issuer "https://idp.example" (or leave it out)', ['https://other.example']),
    ));

  it('refuses invalid durations and outbound policies', async () => {
    await refused(
      { authorizationServer: { mode: 'remote', issuer: 'https://idp.example', metadataTtlMs: 10 } },
      McpMessages.optionInvalid('authorizationServer.metadataTtlMs', 'an integer of at least 1000', 10),
    );
    await refused(
      { outbound: { allow: ['10.0.0.0/99'] } },
      'McpAuthModule: outbound.allow: entry "10.0.0.0/99" must be an origin such as "https://idp.internal:8443" or a CIDR range such as "10.20.0.0/16" or "fd00::/8".',
    );
    await refused({ outbound: { maxBytes: -1 } }, McpMessages.fetchOptionInvalid('McpAuthModule', 'outbound.maxBytes', 'an integer of at least 0', -1));
  });
});
