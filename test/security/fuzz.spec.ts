import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';
import { probeCall } from '../fixtures/auth.fixture.js';
import { NotesStore, NotesTools } from '../fixtures/notes.components.js';
import { bearer, jsonOf, rawRequest, responseProblems, staticPrincipals, type RawResponse } from './security.support.js';

/**
 * Property-based fuzzing of the live MCP endpoint (authentication on, static tokens) on both adapters. Reproducible:
 * a fixed seed and fixed run counts (about 1,500 requests per adapter). Whatever arrives, the server must answer
 * without a 5xx, with an empty body (202/204) or JSON-RPC, without stack traces or paths, without echoing a token,
 * and keep serving. The tools include `explode`, whose error message (a password and a path) must stay masked.
 */

const SEED = 42;
const { callers, authenticate } = staticPrincipals(3, 'fuzz');
const TOKENS = callers.map((c) => c.token);
const VALID_AUTH = new Set(TOKENS.map((t) => `Bearer ${t}`));

// ---------------------------------------------------------------------------------------------------- arbitraries

const KNOWN_METHODS = [
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/read', 'resources/templates/list',
  'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'resources/subscribe',
  'notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/roots/list_changed',
];
/** Every tool of the fixture except `hang`, which waits for a cancellation that a fuzz request never sends. */
const TOOL_NAMES = ['principal', 'echo', 'create', 'explode', 'refuse', 'reject', 'slow', 'missing', ''];

const idArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  fc.constant(null),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.object({ maxDepth: 1 }),
);
const methodArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_METHODS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  fc.integer(),
  fc.constant(null),
);
const paramsArb = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string()),
      arguments: fc.oneof(
        fc.object({ maxDepth: 3 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ text: fc.string(), title: fc.string(), body: fc.string(), id: fc.string() }, { requiredKeys: [] }),
      ),
      _meta: fc.record({ progressToken: idArb }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ),
  fc.record({
    uri: fc.oneof(fc.constantFrom('notes://index', 'notes://1', 'notes://../../etc/passwd', 'file:///etc/passwd', 'notes://{id}'), fc.webUrl(), fc.string()),
  }),
  fc.record(
    {
      protocolVersion: fc.oneof(fc.constantFrom('2025-06-18', '2025-11-25', '2025-03-26', '2024-11-05'), fc.string()),
      capabilities: fc.object({ maxDepth: 2 }),
      clientInfo: fc.record({ name: fc.string(), version: fc.string() }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ),
  fc.record({ level: fc.oneof(fc.constantFrom('debug', 'info', 'error', 'emergency'), fc.string()) }),
  fc.record({ requestId: idArb, reason: fc.string(), cursor: fc.string() }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 4 }),
);
const messageArb = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 6, arbitrary: fc.constant('2.0') }, fc.constantFrom('1.0', 2, null, '2.0 ')),
    id: idArb,
    method: methodArb,
    params: paramsArb,
  },
  { requiredKeys: [] },
);
/** A well-formed request envelope (so the request reaches the protocol layer and the handlers) with fuzzed params. */
const wellFormedArb = fc.record(
  {
    jsonrpc: fc.constant('2.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 })),
    method: fc.constantFrom(...KNOWN_METHODS.filter((m) => !m.startsWith('notifications/')), 'tools/call', 'tools/call', 'tools/call'),
    params: paramsArb.filter((p) => typeof p === 'object' && p !== null && !Array.isArray(p)),
  },
  { requiredKeys: ['jsonrpc', 'id', 'method'] },
);
/** What a client sends back to a server-initiated request (a response or an error). */
const clientResponseArb = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: idArb,
  result: fc.object({ maxDepth: 2 }),
});
const clientErrorArb = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: idArb,
  error: fc.record({ code: fc.integer(), message: fc.string(), data: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
});
/** A string of 50 kB to 1.2 MB in one member: under and over the 1 MiB maxBodyBytes (the MCP route's limit). */
const hugeArb = fc
  .record({
    size: fc.integer({ min: 50_000, max: 1_200_000 }),
    char: fc.constantFrom('a', 'é', '\u2028', '"', '\\', '😀'),
    where: fc.constantFrom('method', 'params', 'id', 'key'),
  })
  .map(({ size, char, where }) => {
    const big = char.repeat(Math.ceil(size / Buffer.byteLength(char)));
    if (where === 'key') return { jsonrpc: '2.0', id: 1, method: 'ping', params: { [big]: 1 } };
    if (where === 'params') return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: big } } };
    return { jsonrpc: '2.0', id: where === 'id' ? big : 1, method: where === 'method' ? big : 'ping' };
  });
/** Nesting around the 64-level limit, as raw arrays or objects or inside a request's params. */
const deepArb = fc
  .record({ depth: fc.integer({ min: 50, max: 80 }), kind: fc.constantFrom('array', 'object', 'params') })
  .map(({ depth, kind }) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { k: value };
    return kind === 'params' ? { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x', deep: value } } } : value;
  });

const bodyArb = fc.oneof(
  { weight: 6, arbitrary: wellFormedArb },
  { weight: 3, arbitrary: messageArb },
  { weight: 3, arbitrary: fc.array(fc.oneof(wellFormedArb, messageArb), { maxLength: 40 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 6 }) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.oneof(clientResponseArb, clientErrorArb) },
  { weight: 1, arbitrary: hugeArb },
  { weight: 1, arbitrary: deepArb },
);

/** Visible ASCII, tab and Latin-1: everything an HTTP/1.1 header value may carry. */
const headerChar = fc
  .oneof({ weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, fc.constant(0x09), fc.integer({ min: 0xa0, max: 0xff }))
  .map((code) => String.fromCharCode(code));
const headerValue = fc.string({ unit: headerChar, maxLength: 60 });
/** A made-up token: its "tk" prefix and length make an accidental match in a response impossible. */
const secretArb = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/='), minLength: 12, maxLength: 80 }).map((s) => `tk${s}`);

const authArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALID_AUTH) },
  fc.constant(undefined),
  secretArb.map((s) => `Bearer ${s}`),
  secretArb,
  fc.tuple(fc.constantFrom(...TOKENS), fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~+/'), minLength: 1, maxLength: 5 })).map(([t, junk]) => `Bearer ${t}${junk}`),
  fc.tuple(fc.constantFrom('Basic', 'Digest', 'bearer', 'BEARER', 'Token', 'DPoP', 'Bearer\t', 'Bearer,'), secretArb).map(([scheme, s]) => `${scheme} ${s}`),
  fc.integer({ min: 8000, max: 12_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
  headerValue,
);

// ---------------------------------------------------------------------------------------------------- checks

/** A JSON-RPC body's request ids (of well-formed requests only). */
function requestIds(body: string): Array<string | number> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  return items.flatMap((m) => (m && typeof m === 'object' && 'method' in m && 'id' in m && (typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id))) ? [m.id] : []));
}

/** The general invariants plus: a 200 answers only ids that were asked (no cross-talk between requests). */
function check(response: RawResponse, sent: { body: string; headers: Record<string, string | undefined> }): string[] {
  const others = [sent.body, ...Object.entries(sent.headers).filter(([k]) => k !== 'authorization').map(([, v]) => v ?? '')].join('\n');
  const authorization = sent.headers.authorization;
  const secrets = [...TOKENS];
  if (authorization && authorization.length >= 12 && !others.includes(authorization)) secrets.push(authorization.replace(/^\S+\s+/, ''));
  const problems = responseProblems(response, { secrets: secrets.filter((s) => s.length >= 12 && !others.includes(s)), sent: others });
  if (response.status === 200 && String(response.headers['content-type']).startsWith('application/json')) {
    const asked = new Set(requestIds(sent.body) ?? []);
    const body = JSON.parse(response.text) as unknown;
    for (const reply of Array.isArray(body) ? body : [body]) {
      const id = (reply as { id?: unknown }).id;
      if (id !== null && !asked.has(id as string | number)) problems.push(`answered id ${JSON.stringify(id)} that was not asked`);
    }
  }
  return problems;
}

async function fire(app: Fixture, body: string | Buffer, headers: Record<string, string | undefined>, method = 'POST') {
  const response = await rawRequest(app.url, { method, headers, body: method === 'POST' ? body : undefined, timeoutMs: 5_000 });
  const problems = check(response, { body: body.toString(), headers });
  if (problems.length) {
    throw new Error(`${problems.join('; ')}\n→ ${response.status} ${response.text.slice(0, 300)}\n← ${JSON.stringify(headers).slice(0, 300)} ${body.toString().slice(0, 300)}`);
  }
  return response;
}

/** The server still serves a legitimate caller (nothing crashed, nothing wedged). */
async function assertAlive(app: Fixture, headers: Record<string, string> = {}): Promise<void> {
  const response = await rawRequest(app.url, {
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bearer(TOKENS[0]), ...headers },
    body: JSON.stringify(probeCall(99)),
  });
  if (headers['mcp-session-id'] === undefined && response.status === 400) return; // stateful: no session, by design
  assert.equal(response.status, 200, response.text);
  assert.equal(jsonOf(response).result.structuredContent.sub, callers[0].sub);
}

const JSON_TYPE = { 'content-type': 'application/json' };
const BASE_HEADERS = { ...JSON_TYPE, accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKENS[0]}` };
/**
 * Fixed seed and run count; no shrinking (`endOnFailure`): each shrinking step is a network round trip, and a
 * request that hangs would make shrinking take minutes. The report names the first failing input as generated.
 */
const runs = (numRuns: number) => ({ seed: SEED, numRuns, includeErrorInReport: true, endOnFailure: true });

for (const adapter of ADAPTERS) {
  describe(`fuzzing the MCP endpoint (${adapter}, stateless, authentication on)`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, { mcp: { authenticate }, providers: [NotesStore, NotesTools] });
    });
    after(() => app?.close());

    it('arbitrary JSON-RPC-ish bodies (records, batches, JSON values, huge strings, deep nesting): 450 cases', async () => {
      await fc.assert(
        fc.asyncProperty(bodyArb, async (value) => {
          await fire(app, JSON.stringify(value) ?? 'null', BASE_HEADERS);
        }),
        runs(450),
      );
      await assertAlive(app);
    });

    it('raw bytes that are mostly not JSON: 250 cases, each a 400 -32700/-32600 or a JSON-RPC answer', async () => {
      const valid = JSON.stringify(probeCall(1));
      const rawArb = fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 200 }),
        // Valid JSON-RPC, cut short or with a byte changed.
        fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
        fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i + 1)),
        fc.constantFrom(' ', '\n', '\uFEFF', 'null', 'true', '0', '""', '{}', '[]', '[[]]', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', 'NaN', 'Infinity', '1e999', '-0', '"\\ud800"'),
      );
      await fc.assert(
        fc.asyncProperty(rawArb, async (text) => {
          const response = await fire(app, Buffer.from(text, 'utf8'), BASE_HEADERS);
          if (response.status === 400) assert.ok([-32700, -32600].includes(jsonOf(response).error.code), response.text);
        }),
        runs(250),
      );
      assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'no prototype pollution');
      await assertAlive(app);
    });

    it('arbitrary Authorization, Accept, MCP-Protocol-Version, Mcp-Session-Id and Origin headers: 400 cases, no bypass', async () => {
      const sameOrigin = `http://${app.url.host}`;
      // Each header: absent half the time; otherwise mostly realistic values, sometimes arbitrary bytes.
      const header = (...values: string[]) =>
        fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: headerValue }), { nil: undefined, freq: 2 });
      const headersArb = fc.record({
        authorization: authArb,
        accept: header('application/json', 'text/event-stream', 'application/json, text/event-stream', '*/*', 'text/html', 'application/*'),
        'mcp-protocol-version': header('2025-06-18', '2025-11-25', '2025-03-26', '2024-11-05', '1999-01-01', ''),
        'mcp-session-id': header(randomBytes(16).toString('base64url'), ''),
        origin: header(sameOrigin, sameOrigin, 'null', 'https://evil.example', `http://localhost:${app.url.port}`),
      });
      const bodies = [probeCall(1), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'explode', arguments: {} } }];
      await fc.assert(
        fc.asyncProperty(headersArb, fc.constantFrom(...bodies), async (headers, body) => {
          const response = await fire(app, JSON.stringify(body), { ...JSON_TYPE, ...headers });
          const authorized = headers.authorization !== undefined && VALID_AUTH.has(headers.authorization);
          const originOk = headers.origin === undefined || headers.origin === sameOrigin;
          if (!authorized) assert.ok([401, 403].includes(response.status), `an unauthenticated request got ${response.status}`);
          if (response.status === 401) assert.match(String(response.headers['www-authenticate']), /^Bearer/);
          if (authorized && originOk) assert.ok(![401, 403].includes(response.status), `a valid caller got ${response.status}`);
          if (!originOk) assert.equal(response.status, 403);
        }),
        runs(400),
      );
      await assertAlive(app);
    });

    it(
      'arbitrary non-JSON Content-Types: 150 cases, each a JSON-RPC 415',
      adapter === 'fastify'
        ? {}
        : {},
      async () => {
        const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/);
        const typeArb = fc
          .oneof(
            fc.constant(undefined),
            fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-patch+json', 'text/json', 'application/jsonl', 'application/vnd.api+json', 'application/json5'),
            fc.tuple(token, token).map(([a, b]) => `${a}/${b}`),
            headerValue,
          )
          .filter((type) => type?.split(';')[0].trim().toLowerCase() !== 'application/json');
        await fc.assert(
          fc.asyncProperty(typeArb, async (type) => {
            const response = await fire(app, JSON.stringify(probeCall(1)), { ...BASE_HEADERS, 'content-type': type });
            assert.equal(response.status, 415);
          }),
          runs(150),
        );
        await assertAlive(app);
      },
    );

    it(
      'application/json with arbitrary parameters (charset and others): 100 cases, each answered as JSON-RPC',
      async () => {
        const paramArb = fc.oneof(
          fc.constantFrom('charset=utf-8', 'charset=UTF-8', 'charset="utf-8"', 'charset=latin1', 'charset=utf-16', 'charset=bogus', 'boundary=x', 'q=0.5'),
          fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-zA-Z0-9-]{0,12}$/)).map(([k, v]) => `${k}=${v}`),
          headerValue,
        );
        await fc.assert(
          fc.asyncProperty(paramArb, async (param) => {
            await fire(app, JSON.stringify(probeCall(1)), { ...BASE_HEADERS, 'content-type': `application/json; ${param}` });
          }),
          runs(100),
        );
        await assertAlive(app);
      },
    );
  });

  describe(`what the fuzzer found (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, { mcp: { authenticate }, providers: [NotesStore, NotesTools] });
    });
    after(() => app?.close());

    it('a request whose _meta the SDK would refuse (progressToken not a string or safe integer) is still answered, promptly', async () => {
      const init = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'f', version: '1' } };
      const cases = [
        { method: 'initialize', params: { ...init, _meta: { progressToken: 1.5 } } },
        { method: 'initialize', params: { _meta: { progressToken: 3.4e188 } } },
        { method: 'logging/setLevel', params: { level: 'info', _meta: 5 } },
        { method: 'no/such/method', params: { _meta: { progressToken: true } } },
        { method: 'tools/call', params: { name: 'principal', arguments: {}, _meta: { progressToken: 1.5 } } },
      ];
      for (const [index, { method, params }] of cases.entries()) {
        const body = JSON.stringify({ jsonrpc: '2.0', id: index + 1, method, params });
        // fire() fails after 5 s without an answer: a request the protocol layer drops would hold its connection forever.
        const response = await fire(app, body, BASE_HEADERS);
        assert.ok([200, 400].includes(response.status), `${method}: ${response.status}`);
      }
    });

    it(
      'malformed params of a known method get -32602 Invalid params, never -32603 with the schema validator\'s dump',
      {
        
      },
      async () => {
        const cases = [
          { method: 'resources/read', params: {} },
          { method: 'tools/call', params: { uri: 'notes://index' } },
          { method: 'prompts/get', params: { name: 42 } },
          { method: 'logging/setLevel', params: { level: 'loud' } },
          { method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {} } },
        ];
        for (const [index, { method, params }] of cases.entries()) {
          const response = await fire(app, JSON.stringify({ jsonrpc: '2.0', id: index + 1, method, params }), BASE_HEADERS);
          assert.equal(response.status, 200);
          const body = jsonOf(response);
          assert.equal(body.id, index + 1);
          assert.equal(body.error?.code, -32602, `${method}: ${response.text.slice(0, 200)}`);
          assert.doesNotMatch(body.error.message, /invalid_type|invalid_value|\n/, 'no validator internals');
        }
      },
    );
  });

  describe(`fuzzing session handling (${adapter}, stateful, authentication on)`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, { mcp: { authenticate, http: { mode: 'stateful' } }, providers: [NotesStore, NotesTools] });
    });
    after(() => app?.close());

    it('random session ids with random messages and methods: 200 cases, never served (400/404/406 only)', async () => {
      const sessionArb = fc.oneof(fc.constant(undefined), fc.integer().map(() => randomBytes(16).toString('base64url')), headerValue);
      const nonInitialize = messageArb.filter((m) => m.method !== 'initialize');
      await fc.assert(
        fc.asyncProperty(sessionArb, fc.oneof(nonInitialize, fc.array(nonInitialize, { minLength: 1, maxLength: 4 })), fc.constantFrom('POST', 'GET', 'DELETE'), async (session, body, method) => {
          // GET and DELETE carry no body, hence no Content-Type (see sessions.spec.ts for one that does).
          const headers = { ...BASE_HEADERS, 'content-type': method === 'POST' ? 'application/json' : undefined, 'mcp-session-id': session };
          const response = await fire(app, JSON.stringify(body), headers, method);
          assert.ok([400, 404, 406].includes(response.status), `got ${response.status} without a real session`);
        }),
        runs(200),
      );
      // A real session still works after the storm.
      const init = await rawRequest(app.url, {
        headers: { ...BASE_HEADERS, accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'f', version: '1' } } }),
      });
      assert.equal(init.status, 200);
      await assertAlive(app, { 'mcp-session-id': String(init.headers['mcp-session-id']), accept: 'application/json' });
    });
  });
}
