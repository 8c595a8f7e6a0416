import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { McpJwt, McpStaticTokens, type McpPrincipalInit } from 'nestjs-mcp-auth';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { bearer, startAuthApp } from '../fixtures/auth-app.fixture.js';
import { RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';
import { describeError, summarizeFailures, withConcurrency, type LoadFailure } from '../fixtures/load.support.js';
import { RequestScopedTools } from '../fixtures/notes.components.js';
import { JSON_HEADERS, rawRequest } from '../security/security.support.js';

const STATIC_PRINCIPALS = 50;
const REQUESTS = 2000;
/**
 * Requests in flight at once, over as many keep-alive connections: enough for many callers' requests to interleave in
 * every stage of the pipeline, without 2,000 simultaneous connections that a busy 2-core machine answers with resets.
 */
const CONCURRENCY = 64;
const IDP_CLIENTS = Array.from({ length: 5 }, (_, i) => ({
  id: `idp-agent-${i}`,
  secret: `idp-secret-${i}-0123456789`,
  scopes: [`idp:${i}`, 'notes:read'],
}));

interface Caller {
  token: string;
  expected: { sub: string; clientId: string | null; scopes: string[]; roles: string[]; source: string; hasToken: false };
}

function staticCallers(): { tokens: Record<string, McpPrincipalInit>; callers: Caller[] } {
  const tokens: Record<string, McpPrincipalInit> = {};
  const callers: Caller[] = [];
  for (let i = 0; i < STATIC_PRINCIPALS; i++) {
    const token = `static-token-${i}-${crypto.randomUUID()}`;
    const init = { principal: { sub: `user-${i}` }, clientId: `client-${i}`, scopes: [`scope-${i}`], roles: [`role-${i}`] };
    tokens[token] = init;
    callers.push({ token, expected: { sub: init.principal.sub, clientId: init.clientId, scopes: init.scopes, roles: init.roles, source: 'static', hasToken: false } });
  }
  return { tokens, callers };
}

async function idpCallers(idp: TestIdp, perClient: number): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (const client of IDP_CLIENTS) {
    for (let n = 0; n < perClient; n++) {
      callers.push({
        token: await idp.token(client.id),
        expected: { sub: client.id, clientId: client.id, scopes: client.scopes, roles: [], source: 'jwt', hasToken: false },
      });
    }
  }
  return callers;
}

const call = (id: number, tool: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {} } });

interface Outcome {
  failures: LoadFailure[];
  instances: number[];
  peak: number;
}

/** `count` calls, `CONCURRENCY` in flight; each must come back with its own id and its own caller's principal. */
async function fire(app: Fixture, callers: Caller[], count: number): Promise<Outcome> {
  const failures: LoadFailure[] = [];
  const instances: number[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, maxFreeSockets: CONCURRENCY });
  try {
    const peak = await withConcurrency(count, CONCURRENCY, async (id) => {
      const caller = callers[(id * 7919) % callers.length]; // a scattered, deterministic assignment
      const tool = id % 4 === 3 ? 'whoami' : 'principal';
      let response;
      try {
        response = await rawRequest(app.url, {
          agent,
          timeoutMs: 30_000,
          headers: { ...JSON_HEADERS, accept: 'application/json', ...bearer(caller.token) },
          body: JSON.stringify(call(id, tool)),
        });
      } catch (error) {
        failures.push({ id, cause: describeError(error) });
        return;
      }
      let body: { id?: number; result?: { structuredContent?: Record<string, unknown> } } | undefined;
      try {
        body = JSON.parse(response.text) as typeof body;
      } catch {
        body = undefined;
      }
      const seen = body?.result?.structuredContent;
      if (response.status !== 200 || body?.id !== id || !seen) {
        failures.push({ id, cause: `HTTP ${response.status}, no result for its id`, detail: response.text.slice(0, 200) });
      } else if (tool === 'whoami') {
        if (seen.sub !== caller.expected.sub) failures.push({ id, cause: 'whoami saw another principal', detail: `${String(seen.sub)} instead of ${caller.expected.sub}` });
        instances.push(seen.instance as number);
      } else {
        try {
          assert.deepEqual(seen, caller.expected);
        } catch {
          failures.push({ id, cause: 'saw another principal', detail: `saw ${JSON.stringify(seen)}, expected ${JSON.stringify(caller.expected)}` });
        }
      }
    });
    return { failures, instances, peak };
  } finally {
    agent.destroy();
  }
}

for (const adapter of ADAPTERS) {
  describe(`principal isolation under concurrency (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    let small: Fixture;
    let callers: Caller[];

    before(async () => {
      idp = await startIdp(IDP_CLIENTS, RESOURCE);
      const { tokens, callers: fromStatic } = staticCallers();
      callers = [...fromStatic, ...(await idpCallers(idp, 2))];
      const jwt = (cache?: { maxEntries: number }) => McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer, ...(cache && { cache }) });
      const mcp = (cache?: { maxEntries: number }) => ({ authenticate: [McpStaticTokens({ tokens }), jwt(cache)] });
      app = await startAuthApp(adapter, { mcp: mcp(), providers: [RequestScopedTools] });
      // A verified-token cache far smaller than the number of tokens: constant eviction under load.
      small = await startAuthApp(adapter, { mcp: mcp({ maxEntries: 3 }), providers: [RequestScopedTools] });
    });
    after(async () => {
      await app.close();
      await small.close();
      await idp.close();
    });

    it(`${REQUESTS} tools/call (${CONCURRENCY} at a time) from ${STATIC_PRINCIPALS} static and ${IDP_CLIENTS.length} IdP principals: each sees only itself`, async () => {
      assert.equal(new Set(callers.map((c) => c.expected.sub)).size, STATIC_PRINCIPALS + IDP_CLIENTS.length);
      const { failures, instances, peak } = await fire(app, callers, REQUESTS);
      assert.equal(failures.length, 0, summarizeFailures(failures, REQUESTS));
      assert.equal(peak, CONCURRENCY, 'the calls really were concurrent');
      assert.equal(instances.length, REQUESTS / 4);
      assert.equal(new Set(instances).size, instances.length, 'a request-scoped instance per request');
      // JWTs were verified once, then served from the verified-token cache: both paths are covered here.
    });

    it('a tiny verified-token cache (maxEntries 3) evicting under load never mixes principals', async () => {
      const jwtCallers = callers.filter((c) => c.expected.source === 'jwt');
      assert.equal(jwtCallers.length, 10);
      const { failures } = await fire(small, jwtCallers, 500);
      assert.equal(failures.length, 0, summarizeFailures(failures, 500));
    });
  });
}
