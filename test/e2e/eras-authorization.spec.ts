import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ThrottlerModule } from '@nestjs/throttler';
import { McpJwt, RestrictTag } from 'nestjs-mcp-auth';
import { ADAPTERS, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { RESOURCE } from '../fixtures/auth.fixture.js';
import { AuthzTools, FlakyGuard, OwnerGuard, TrustedCheck, TrustStore } from '../fixtures/authz.components.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';
import { envelope, standardHeaders } from '../fixtures/modern.fixture.js';

const CLIENTS = [
  { id: 'agent-reader', secret: 'reader-secret-0123456789', scopes: ['notes:read'] },
  { id: 'agent-writer', secret: 'writer-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
  { id: 'agent-admin', secret: 'admin-secret-01234567890', scopes: ['notes:read', 'notes:write', 'notes:export', 'notes:admin'] },
];
const roles = (claims: Record<string, unknown>) => (claims.client_id === 'agent-writer' ? ['editor'] : []);
const TOOLS = ['read-notes', 'write-note', 'export-notes', 'purge', 'danger', 'delete-note', 'filtered-delete', 'whoami', 'flaky', 'trusted', 'weekday', 'broken'];

type Request = { method: string; params: Record<string, unknown> };
const REQUESTS: Request[] = [
  { method: 'tools/list', params: {} },
  { method: 'resources/list', params: {} },
  { method: 'resources/templates/list', params: {} },
  { method: 'prompts/list', params: {} },
  ...TOOLS.flatMap((name) => [
    { method: 'tools/call', params: { name, arguments: {} } },
    { method: 'tools/call', params: { name, arguments: { id: 1 } } },
    { method: 'tools/call', params: { name: `${name}-ghost`, arguments: {} } },
  ]),
  ...['notes://public', 'notes://secret', 'notes://by-id/3', 'notes://ghost'].map((uri) => ({ method: 'resources/read', params: { uri } })),
  ...['summarize', 'hello', 'ghost'].map((name) => ({ method: 'prompts/get', params: { name, arguments: { id: '1' } } })),
];

/** A 2026-07-28 reply with the fields only that era adds taken out, and its not-found code as 2025 spells it. */
function asLegacy(reply: Record<string, any>, method: string): Record<string, any> {
  if (reply.result) {
    const { resultType, ttlMs, cacheScope, _meta, ...rest } = reply.result;
    assert.equal(resultType, 'complete');
    assert.equal(_meta?.['io.modelcontextprotocol/serverInfo']?.name, 'notes-test');
    if (method.endsWith('/list') || method === 'resources/read') assert.ok(ttlMs >= 0 && (cacheScope === 'private' || cacheScope === 'public'));
    return { ...reply, result: rest };
  }
  if (method === 'resources/read' && reply.error?.code === -32602 && /^Resource not found/.test(reply.error.message)) {
    return { ...reply, error: { ...reply.error, code: -32002 } };
  }
  return reply;
}

for (const adapter of ADAPTERS) {
  describe(`authorization is the same in both eras (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    const tokens: Record<string, string> = {};

    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startFixture({
        adapter,
        components: [AuthzTools, TrustStore, TrustedCheck, OwnerGuard, FlakyGuard],
        imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 10_000 }])],
        mcp: {
          allowAnonymous: false,
          resource: RESOURCE,
          authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer, claims: { roles } })],
          authorize: [RestrictTag('danger', ['notes:admin'])],
        },
      });
      for (const client of CLIENTS) tokens[client.id] = await idp.token(client.id);
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    const legacy = (token: string | undefined, { method, params }: Request, id: number) =>
      post(app.url, { jsonrpc: '2.0', id, method, params }, { 'mcp-protocol-version': '2025-11-25', ...(token && { authorization: `Bearer ${token}` }) });
    const modern = (token: string | undefined, { method, params }: Request, id: number) =>
      post(app.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } }, { ...standardHeaders(method, params), ...(token && { authorization: `Bearer ${token}` }) });

    for (const client of CLIENTS) {
      it(`${client.id}: every list, call, read and prompt answers alike in 2025 and 2026-07-28 (status, challenge, body)`, async () => {
        let id = 0;
        for (const request of REQUESTS) {
          id++;
          const [old, now] = await Promise.all([legacy(tokens[client.id], request, id), modern(tokens[client.id], request, id)]);
          const label = `${client.id} ${request.method} ${JSON.stringify(request.params)}`;
          assert.equal(now.status, old.status, label);
          assert.equal(now.headers.get('www-authenticate'), old.headers.get('www-authenticate'), label);
          assert.deepEqual(asLegacy((await now.json()) as Record<string, any>, request.method), await old.json(), label);
        }
      });
    }

    it('2026-07-28: a hidden tool answers byte for byte like a missing one', async () => {
      for (const name of ['danger', 'purge', 'delete-note']) {
        const hidden = await (await modern(tokens['agent-reader'], { method: 'tools/call', params: { name, arguments: {} } }, 3)).text();
        const ghost = await modern(tokens['agent-reader'], { method: 'tools/call', params: { name: `${name}-ghost`, arguments: {} } }, 3);
        assert.equal(hidden, (await ghost.text()).replaceAll(`${name}-ghost`, name));
      }
    });

    it('2026-07-28: no token, a bad token and a wrong audience get the same 401 challenges as 2025', async () => {
      const forged = await idp.forge({ aud: 'https://elsewhere.example/mcp', sub: 'x' });
      for (const token of [undefined, 'not-a-jwt', forged]) {
        const request = { method: 'tools/list', params: {} };
        const [old, now] = await Promise.all([legacy(token, request, 1), modern(token, request, 1)]);
        assert.equal(now.status, 401);
        assert.equal(now.status, old.status);
        assert.equal(now.headers.get('www-authenticate'), old.headers.get('www-authenticate'));
        assert.equal(await now.text(), await old.text());
      }
    });
  });
}
