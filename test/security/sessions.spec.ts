import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { McpHttpOptions } from 'nestjs-mcp-auth';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';
import { probeCall } from '../fixtures/auth.fixture.js';
import {
  assertRpcError,
  bearer,
  INITIALIZE,
  jsonOf,
  MESSAGES,
  rawRequest,
  sleep,
  staticPrincipals,
  type RawResponse,
} from './security.support.js';

/**
 * Session attacks on stateful mode: ids must be unguessable, server-chosen, bound to the principal that opened
 * them, dead after DELETE, and bounded in number. A session id is never a credential.
 */

const { callers, authenticate } = staticPrincipals(4, 'sess');
const [A, B, C, D] = callers;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const JSON_ONLY = { 'content-type': 'application/json', accept: 'application/json' };

function client(app: Fixture, token: string, agent: Agent | false = false) {
  const call = (method: string, headers: Record<string, string | undefined>, body?: unknown): Promise<RawResponse> =>
    rawRequest(app.url, {
      method,
      agent,
      headers: { ...JSON_ONLY, ...bearer(token), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    /** initialize; returns the response (the session id is in its Mcp-Session-Id header). */
    initialize: (headers: Record<string, string> = {}) => call('POST', headers, INITIALIZE),
    async open(): Promise<string> {
      const response = await call('POST', {}, INITIALIZE);
      assert.equal(response.status, 200, response.text);
      const id = String(response.headers['mcp-session-id']);
      assert.match(id, ID_PATTERN);
      return id;
    },
    probe: (session: string | undefined, id = 2) => call('POST', { 'mcp-session-id': session }, probeCall(id)),
    stream: (session: string) => call('GET', { accept: 'text/event-stream', 'content-type': undefined, 'mcp-session-id': session }),
    end: (session: string) => call('DELETE', { 'content-type': undefined, 'mcp-session-id': session }),
  };
}

/** Asserts a session request was served for `sub`. */
function assertServed(response: RawResponse, sub: string): void {
  assert.equal(response.status, 200, response.text);
  assert.equal(jsonOf(response).result.structuredContent.sub, sub);
}

const assertNotFound = (response: RawResponse) => assertRpcError(response, 404, -32000, MESSAGES.sessionNotFound);

async function startStateful(adapter: (typeof ADAPTERS)[number], http: McpHttpOptions = {}) {
  return startAuthApp(adapter, { mcp: { authenticate, http: { mode: 'stateful', ...http } } });
}

for (const adapter of ADAPTERS) {
  describe(`session ids are unguessable (${adapter})`, () => {
    let app: Fixture;
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    before(async () => (app = await startStateful(adapter)));
    after(async () => {
      agent.destroy();
      await app?.close();
    });

    it('1,000 ids: 22 base64url characters (16 random bytes each), all distinct, no structure shared between them', async () => {
      const ids: string[] = [];
      // Spread over the four principals, sequential batches of 16 (per-principal eviction keeps the store small).
      for (let batch = 0; batch < 1000 / 20; batch++) {
        const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => client(app, callers[i % 4].token, agent).initialize()));
        for (const response of responses) {
          assert.equal(response.status, 200, response.text);
          ids.push(String(response.headers['mcp-session-id']));
        }
      }
      assert.equal(ids.length, 1000);
      assert.equal(new Set(ids).size, 1000, 'every id is distinct');
      const bytes = ids.map((id) => {
        assert.match(id, ID_PATTERN);
        const decoded = Buffer.from(id, 'base64url');
        assert.equal(decoded.length, 16, 'an id is 128 bits');
        assert.equal(decoded.toString('base64url'), id, 'canonical base64url (no padding, no stray bits)');
        return decoded;
      });
      // No shared prefix: with 128 random bits, two of 1,000 ids sharing their first 6 characters (36 bits) has a
      // probability around 7e-6; counters, timestamps or a per-process prefix would share far more.
      assert.equal(new Set(ids.map((id) => id.slice(0, 6))).size, 1000, 'no two ids share a 6-character prefix');
      // Every bit position is set in roughly half of the ids (binomial(1000, 0.5): 6 sd is ±95).
      for (let bit = 0; bit < 128; bit++) {
        const ones = bytes.filter((b) => (b[bit >> 3] >> (7 - (bit & 7))) & 1).length;
        assert.ok(ones > 400 && ones < 600, `bit ${bit} is set in ${ones} of 1000 ids`);
      }
      // Consecutive ids are unrelated: about half their bits differ (binomial(128, 0.5) ≥ 32 is > 5.6 sd).
      for (let i = 1; i < bytes.length; i++) {
        let differing = 0;
        for (let j = 0; j < 16; j++) differing += popcount(bytes[i][j] ^ bytes[i - 1][j]);
        assert.ok(differing >= 32, `ids ${i - 1} and ${i} differ in only ${differing} bits`);
      }
    });

    it('guessing: 200 random well-formed ids, near misses of a real id, and odd values never reach a session', async () => {
      const a = client(app, A.token, agent);
      const real = await a.open();
      const guesses = Array.from({ length: 200 }, () => randomBytes(16).toString('base64url'));
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const nearMisses = [flip(real, 0), flip(real, 21), real.slice(0, 21), `${real}A`, real.toLowerCase(), real.toUpperCase(), ` ${real}x`, `${real}=`];
      for (const guess of [...guesses, ...nearMisses].filter((g) => g !== real)) assertNotFound(await a.probe(guess));
      for (const odd of ['../', '%00', 'null', 'undefined', '[object Object]', 'A'.repeat(4096)]) assertNotFound(await a.probe(odd));
      // The real one still works: guessing did not disturb it.
      assertServed(await a.probe(real), A.sub);
    });

    it('a missing or empty session header is 400, not a lookup', async () => {
      const a = client(app, A.token, agent);
      assertRpcError(await a.probe(undefined), 400, -32600, MESSAGES.sessionRequired);
      assertRpcError(await a.probe(''), 400, -32600, MESSAGES.sessionRequired);
    });
  });

  describe(`session fixation, hijacking and reuse (${adapter})`, () => {
    let app: Fixture;
    before(async () => (app = await startStateful(adapter)));
    after(() => app?.close());

    it('fixation: an initialize carrying a client-chosen Mcp-Session-Id gets 400, and that id never becomes valid', async () => {
      const a = client(app, A.token);
      const b = client(app, B.token);
      const planted = randomBytes(16).toString('base64url');
      const refused = await a.initialize({ 'mcp-session-id': planted });
      assertRpcError(refused, 400, -32600, MESSAGES.initializeWithSession);
      assert.equal(refused.headers['mcp-session-id'], undefined);
      // Neither the planter nor the victim can use it, and later sessions never get it.
      assertNotFound(await a.probe(planted));
      assertNotFound(await b.probe(planted));
      const later = [await a.open(), await b.open(), await a.open()];
      assert.ok(!later.includes(planted));
      assertNotFound(await b.probe(planted));
      // Planting a real session id of someone else is refused the same way (and does not adopt it).
      const victims = await b.open();
      assertRpcError(await a.initialize({ 'mcp-session-id': victims }), 400, -32600, MESSAGES.initializeWithSession);
      assertNotFound(await a.probe(victims));
      assertServed(await b.probe(victims), B.sub);
    });

    it("cross-principal reuse: B's token with A's session id gets 404 on POST, GET and DELETE; A's session survives", async () => {
      const a = client(app, A.token);
      const b = client(app, B.token);
      const session = await a.open();
      const stolen = await b.probe(session);
      assertNotFound(stolen);
      assert.equal(stolen.headers['mcp-session-id'], undefined);
      assertNotFound(await b.stream(session));
      assertNotFound(await b.end(session));
      // Indistinguishable from an id that never existed (no oracle for valid ids).
      assert.equal(stolen.text, (await b.probe(randomBytes(16).toString('base64url'))).text);
      assertServed(await a.probe(session), A.sub);
    });

    it('use after DELETE: the id is dead for POST, GET and DELETE', async () => {
      const a = client(app, A.token);
      const session = await a.open();
      assertServed(await a.probe(session), A.sub);
      const ended = await a.end(session);
      assert.equal(ended.status, 204);
      assert.equal(ended.text, '');
      assertNotFound(await a.probe(session));
      assertNotFound(await a.stream(session));
      assertNotFound(await a.end(session));
      // A new session for the same principal does not revive it.
      const next = await a.open();
      assert.notEqual(next, session);
      assertNotFound(await a.probe(session));
    });

    it(
      'DELETE carrying Content-Type: application/json (and no body) still ends the session',
      async () => {
        const a = client(app, A.token);
        const session = await a.open();
        const ended = await rawRequest(app.url, { method: 'DELETE', headers: { 'content-type': 'application/json', ...bearer(A.token), 'mcp-session-id': session } });
        assert.equal(ended.status, 204, ended.text);
        assertNotFound(await a.probe(session));
      },
    );

    it('the session id is no credential: without a token it is 401, with a bad token 401 invalid_token', async () => {
      const a = client(app, A.token);
      const session = await a.open();
      const anonymous = await rawRequest(app.url, { headers: { ...JSON_ONLY, 'mcp-session-id': session }, body: JSON.stringify(probeCall()) });
      assertRpcError(anonymous, 401, -32000, MESSAGES.unauthorized);
      const forged = await client(app, `${A.token}x`).probe(session);
      assertRpcError(forged, 401, -32000, MESSAGES.invalidToken);
      assertServed(await a.probe(session), A.sub);
    });
  });

  describe(`session limits (${adapter})`, () => {
    it('maxSessionsPerPrincipal: 2 → the third initialize closes the least recently used session (its stream ends, its id is dead)', async () => {
      const app = await startStateful(adapter, { maxSessionsPerPrincipal: 2 });
      try {
        const a = client(app, A.token);
        const b = client(app, B.token);
        const other = await b.open();
        const first = await a.open();
        const stream = await openStream(app, A.token, first);
        await sleep(5);
        const second = await a.open();
        await sleep(5);
        const third = await a.open();
        assertNotFound(await a.probe(first));
        assert.equal(await Promise.race([stream.ended, sleep(2000).then(() => 'still open')]), 'ended', "the evicted session's stream ends");
        assertServed(await a.probe(second), A.sub);
        assertServed(await a.probe(third), A.sub);
        // Least recently *used*, not oldest: `second` was just used, so the next one evicts `third`.
        await sleep(5);
        assertServed(await a.probe(second), A.sub);
        await sleep(5);
        const fourth = await a.open();
        assertNotFound(await a.probe(third));
        assertServed(await a.probe(second), A.sub);
        assertServed(await a.probe(fourth), A.sub);
        // Another principal's sessions are never evicted by A's.
        assertServed(await b.probe(other), B.sub);
        stream.destroy();
      } finally {
        await app.close();
      }
    });

    it('maxSessions: 3 across principals → the next initialize gets 503 with Retry-After and no session; a freed slot is reusable', async () => {
      const app = await startStateful(adapter, { maxSessions: 3, maxSessionsPerPrincipal: 2 });
      try {
        const [a, b, c, d] = [A, B, C, D].map((caller) => client(app, caller.token));
        const a1 = await a.open();
        await sleep(5);
        const a2 = await a.open();
        const b1 = await b.open();
        for (const who of [c, d]) {
          const refused = await who.initialize();
          assertRpcError(refused, 503, -32000, MESSAGES.tooManySessions);
          assert.match(String(refused.headers['retry-after']), /^[1-9]\d*$/);
          assert.equal(refused.headers['mcp-session-id'], undefined);
        }
        // A full server lets no one evict others: A, at its own limit, replaces its own oldest session only...
        const a3 = await a.open();
        assertNotFound(await a.probe(a1));
        assertServed(await a.probe(a2), A.sub);
        assertServed(await a.probe(a3), A.sub);
        assertServed(await b.probe(b1), B.sub);
        // ...and B, under its own limit, cannot grow past the total.
        assertRpcError(await b.initialize(), 503, -32000, MESSAGES.tooManySessions);
        // Ending a session frees a slot for C.
        assert.equal((await b.end(b1)).status, 204);
        const c1 = await c.open();
        assertServed(await c.probe(c1), C.sub);
        assertRpcError(await d.initialize(), 503, -32000, MESSAGES.tooManySessions);
      } finally {
        await app.close();
      }
    });

    it('sessionIdleTimeoutMs: an idle session is closed and its id answers 404', async () => {
      const app = await startStateful(adapter, { sessionIdleTimeoutMs: 1000 });
      try {
        const a = client(app, A.token);
        const idle = await a.open();
        const busy = await a.open();
        for (let i = 0; i < 5; i++) {
          await sleep(500);
          assertServed(await a.probe(busy), A.sub);
        }
        assertNotFound(await a.probe(idle));
        assertServed(await a.probe(busy), A.sub);
      } finally {
        await app.close();
      }
    });
  });
}

function popcount(n: number): number {
  let count = 0;
  for (; n; n &= n - 1) count++;
  return count;
}

/** Opens a session's GET stream on its own connection; `ended` resolves when the server ends it. */
async function openStream(app: Fixture, token: string, session: string) {
  const req = request(app.url, { method: 'GET', agent: false, headers: { ...bearer(token), accept: 'text/event-stream', 'mcp-session-id': session } });
  req.on('error', () => undefined);
  const response = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve).end());
  assert.equal(response.statusCode, 200);
  response.resume();
  const ended = new Promise<string>((resolve) => {
    response.once('end', () => resolve('ended'));
    response.once('close', () => resolve('ended'));
  });
  return { ended, destroy: () => void req.destroy() };
}

