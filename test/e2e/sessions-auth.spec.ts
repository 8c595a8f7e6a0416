import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpJwt } from 'nestjs-mcp-auth';
import { ADAPTERS, post, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, bearer, INVALID_TOKEN, probeResult, startAuthApp, UNAUTHORIZED } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [
  { id: 'agent-a', secret: 'a-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
  { id: 'agent-b', secret: 'b-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
];
const JSON_ONLY = { accept: 'application/json' };
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const SESSION_NOT_FOUND = { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Session not found' } };

/** An SDK client whose bearer token the test can change between requests (as a client refreshing its token). */
async function sdkClient(url: URL, token: () => string) {
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token()}`);
      return fetch(input, { ...init, headers });
    },
  });
  const client = new Client({ name: 'session-client', version: '1.0.0' });
  await client.connect(transport);
  assert.match(transport.sessionId ?? '', /^[A-Za-z0-9_-]{22}$/, 'a session was opened');
  return { client, sessionId: transport.sessionId! };
}

for (const adapter of ADAPTERS) {
  describe(`stateful sessions are bound to the principal and never authenticate (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    let tokenA: string;
    let tokenB: string;

    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startAuthApp(adapter, {
        mcp: { http: { mode: 'stateful' }, authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })] },
      });
      tokenA = await idp.token('agent-a');
      tokenB = await idp.token('agent-b');
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    it("another principal presenting A's session id gets 404 on POST, GET and DELETE, and A's session survives", async () => {
      const a = await sdkClient(app.url, () => tokenA);
      try {
        const headers = { ...JSON_ONLY, ...bearer(tokenB), 'mcp-session-id': a.sessionId };
        const stolen = await post(app.url, probeCall(), headers);
        assert.equal(stolen.status, 404);
        assert.equal(stolen.headers.get('mcp-session-id'), null);
        assert.deepEqual(await stolen.json(), SESSION_NOT_FOUND);

        const stream = await fetch(app.url, { headers: { ...bearer(tokenB), accept: 'text/event-stream', 'mcp-session-id': a.sessionId } });
        assert.equal(stream.status, 404);
        assert.deepEqual(await stream.json(), SESSION_NOT_FOUND);
        const ended = await fetch(app.url, { method: 'DELETE', headers: { ...bearer(tokenB), 'mcp-session-id': a.sessionId } });
        assert.equal(ended.status, 404);
        assert.deepEqual(await ended.json(), SESSION_NOT_FOUND);

        const result = await a.client.callTool({ name: 'principal', arguments: {} });
        assert.equal((result.structuredContent as { sub: string }).sub, 'agent-a');
      } finally {
        await a.client.close();
      }
    });

    it('the same subject through another client (same sub, other client_id) is another principal: 404', async () => {
      const a = await sdkClient(app.url, () => tokenA);
      try {
        const otherClient = await idp.forge({ sub: 'agent-a', client_id: 'agent-b', aud: RESOURCE, scope: 'notes:read' });
        const response = await post(app.url, probeCall(), { ...JSON_ONLY, ...bearer(otherClient), 'mcp-session-id': a.sessionId });
        assert.equal(response.status, 404);
        assert.deepEqual(await response.json(), SESSION_NOT_FOUND);
      } finally {
        await a.client.close();
      }
    });

    it("A with a new token (fewer scopes) keeps its session, and the handler sees the new token's scopes", async () => {
      let current = tokenA;
      const a = await sdkClient(app.url, () => current);
      try {
        const first = await a.client.callTool({ name: 'principal', arguments: {} });
        assert.deepEqual((first.structuredContent as { scopes: string[] }).scopes, ['notes:read', 'notes:write']);

        current = await idp.token('agent-a', { scope: 'notes:read' });
        assert.notEqual(current, tokenA);
        const second = await a.client.callTool({ name: 'principal', arguments: {} });
        assert.deepEqual(second.structuredContent, {
          sub: 'agent-a',
          clientId: 'agent-a',
          scopes: ['notes:read'],
          roles: [],
          source: 'jwt',
          hasToken: false,
        });

        // The same over a raw request, with the session id the client holds.
        const raw = await post(app.url, probeCall(9), { ...JSON_ONLY, ...bearer(current), 'mcp-session-id': a.sessionId });
        assert.equal(raw.status, 200);
        assert.equal(raw.headers.get('mcp-session-id'), a.sessionId);
        assert.deepEqual((await probeResult(raw)).scopes, ['notes:read']);
      } finally {
        await a.client.close();
      }
    });

    it('a request on a live session without a token is 401: the session id is no credential', async () => {
      const a = await sdkClient(app.url, () => tokenA);
      try {
        const before = (await a.client.callTool({ name: 'principal', arguments: {} })).structuredContent;
        assert.equal((before as { sub: string }).sub, 'agent-a');
        for (const request of [
          () => post(app.url, probeCall(), { ...JSON_ONLY, 'mcp-session-id': a.sessionId }),
          () => fetch(app.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': a.sessionId } }),
          () => fetch(app.url, { method: 'DELETE', headers: { 'mcp-session-id': a.sessionId } }),
        ]) {
          const response = await request();
          assert.equal(response.status, 401);
          assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${PRM_URL}"`);
          assert.equal(response.headers.get('mcp-session-id'), null);
          assert.deepEqual(await response.json(), authErrorBody(UNAUTHORIZED));
        }
        const expired = await idp.forge({ sub: 'agent-a', client_id: 'agent-a', aud: RESOURCE, exp: Math.floor(Date.now() / 1000) - 60 });
        const stale = await post(app.url, probeCall(), { ...JSON_ONLY, ...bearer(expired), 'mcp-session-id': a.sessionId });
        assert.equal(stale.status, 401);
        assert.deepEqual(await stale.json(), authErrorBody(INVALID_TOKEN));
        // The session itself is untouched: A's next authenticated call works.
        const after = await a.client.callTool({ name: 'principal', arguments: {} });
        assert.equal((after.structuredContent as { sub: string }).sub, 'agent-a');
      } finally {
        await a.client.close();
      }
    });

    it('an initialize with a bad or missing token opens no session', async () => {
      for (const headers of [bearer('not-a-valid.token.value'), bearer(`${tokenA.slice(0, -2)}xx`), {}]) {
        const response = await post(app.url, INITIALIZE, { ...JSON_ONLY, ...headers });
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('mcp-session-id'), null, 'no session id is handed out');
        const body = await response.json();
        assert.deepEqual(body, authErrorBody('authorization' in headers ? INVALID_TOKEN : UNAUTHORIZED));
        assert.ok(!JSON.stringify(body).includes('result'));
      }
      // A's own initialize in between still gets a session (the refusals did not break the store).
      const ok = await post(app.url, INITIALIZE, { ...JSON_ONLY, ...bearer(tokenA) });
      assert.equal(ok.status, 200);
      const id = ok.headers.get('mcp-session-id')!;
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      const closed = await fetch(app.url, { method: 'DELETE', headers: { ...bearer(tokenA), 'mcp-session-id': id } });
      assert.equal(closed.status, 204);
    });

    it("B's own session works for B and is refused to A", async () => {
      const b = await sdkClient(app.url, () => tokenB);
      try {
        const result = await b.client.callTool({ name: 'principal', arguments: {} });
        assert.equal((result.structuredContent as { sub: string }).sub, 'agent-b');
        const response = await post(app.url, probeCall(), { ...JSON_ONLY, ...bearer(tokenA), 'mcp-session-id': b.sessionId });
        assert.equal(response.status, 404);
        assert.deepEqual(await response.json(), SESSION_NOT_FOUND);
      } finally {
        await b.client.close();
      }
    });
  });
}
