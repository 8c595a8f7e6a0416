import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { connectModernClient, envelope, MODERN, modernPost, standardHeaders } from '../fixtures/modern.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();
const b64 = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** The messages of a response: its SSE events, or its one JSON reply. */
async function events(response: Response): Promise<Record<string, any>[]> {
  const text = await response.text();
  if (/application\/json/.test(response.headers.get('content-type') ?? '')) return [JSON.parse(text)];
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));
}

for (const adapter of ADAPTERS) {
  describe(`2026-07-28 beside 2025 on one endpoint (${adapter})`, () => {
    let fixture: Fixture;
    before(async () => {
      fixture = await startFixture({ adapter, mcp: { http: { mode: 'stateful' } } });
    });
    after(() => fixture.close());

    it('a 2026-07-28 SDK client discovers, lists and calls without initialize or a session', async () => {
      const client = await connectModernClient(fixture.url);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === 'echo'));
        const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
        assert.deepEqual(result.content, [{ type: 'text', text: '[tool] hi' }]);
        const read = await client.readResource({ uri: 'notes://index' });
        assert.equal(read.contents[0].uri, 'notes://index');
        const prompt = await client.getPrompt({ name: 'summarize', arguments: { id: '1' } });
        assert.match(JSON.stringify(prompt.messages), /Summarize note 1/);
      } finally {
        await client.close();
      }
    });

    it('a 2025 SDK client is served on the same endpoint, with its session', async () => {
      const client = await connectClient(fixture.url);
      try {
        assert.equal(client.getServerVersion()?.name, 'notes-test');
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === 'echo'));
      } finally {
        await client.close();
      }
    });

    it('server/discover names both eras, the capabilities and the server, cacheable by anyone', async () => {
      const response = await modernPost(fixture.url, 1, 'server/discover');
      assert.equal(response.status, 200);
      const { result } = await json(response);
      assert.equal(result.resultType, 'complete');
      assert.deepEqual(result.supportedVersions, [MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
      assert.deepEqual(Object.keys(result.capabilities).sort(), ['logging', 'prompts', 'resources', 'tools']);
      assert.deepEqual(result._meta['io.modelcontextprotocol/serverInfo'], { name: 'notes-test', version: '1.0.0' });
      assert.equal(result.cacheScope, 'public');
      assert.equal(result.ttlMs, 60_000);
    });

    it('every result carries resultType; lists and reads carry ttlMs and cacheScope; no session is minted', async () => {
      const list = await modernPost(fixture.url, 2, 'tools/list');
      assert.equal(list.status, 200);
      assert.equal(list.headers.get('mcp-session-id'), null);
      const listed = (await json(list)).result;
      assert.equal(listed.resultType, 'complete');
      // A list-safe guard (TitleGuard) decides who sees `create`: the tools list depends on the caller.
      assert.equal(listed.cacheScope, 'private');
      // No prompt has a check or guard: that list is the same for everyone.
      assert.equal((await json(await modernPost(fixture.url, 22, 'prompts/list'))).result.cacheScope, 'public');
      assert.equal(listed.ttlMs, 60_000);
      // A repeated list (served from the serialized cache) is dressed the same way.
      assert.deepEqual((await json(await modernPost(fixture.url, 3, 'tools/list'))).result, listed);
      const called = (await json(await modernPost(fixture.url, 4, 'tools/call', { name: 'echo', arguments: { text: 'x' } }))).result;
      assert.equal(called.resultType, 'complete');
      assert.equal(called.ttlMs, undefined);
      const read = (await json(await modernPost(fixture.url, 5, 'resources/read', { uri: 'notes://index' }))).result;
      assert.deepEqual([read.resultType, read.cacheScope, read.ttlMs], ['complete', 'private', 0]);
    });

    it('the 2025 era keeps its own shapes: no resultType, -32002 for an unknown resource', async () => {
      const client = await connectClient(fixture.url);
      try {
        const raw = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': (client.transport as any).sessionId, 'mcp-protocol-version': '2025-11-25', accept: 'application/json' });
        const text = await raw.text();
        assert.doesNotMatch(text, /resultType|cacheScope/);
        const missing = await post(fixture.url, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'nowhere://x' } }, { 'mcp-session-id': (client.transport as any).sessionId, accept: 'application/json' });
        assert.equal((await json(missing)).error.code, -32002);
      } finally {
        await client.close();
      }
    });

    it('an unknown resource is -32602 in 2026-07-28', async () => {
      const response = await modernPost(fixture.url, 6, 'resources/read', { uri: 'nowhere://x' });
      assert.equal(response.status, 200);
      assert.equal((await json(response)).error.code, -32602);
    });

    it('methods of the other era are unknown (HTTP 404, -32601); so is server/discover to 2025 clients', async () => {
      for (const method of ['ping', 'logging/setLevel', 'initialize', 'no/such']) {
        const response = await modernPost(fixture.url, 7, method, method === 'logging/setLevel' ? { level: 'info' } : {});
        assert.equal(response.status, 404, method);
        assert.deepEqual(await json(response), { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } });
      }
      const client = await connectClient(fixture.url);
      try {
        await assert.rejects(client.request({ method: 'server/discover', params: {} } as never, (await import('@modelcontextprotocol/sdk/types.js')).EmptyResultSchema), /Method not found/);
      } finally {
        await client.close();
      }
    });

    describe('standard headers must match the body (400, -32020)', () => {
      const call = { name: 'echo', arguments: { text: 'x' } };
      const cases: Array<[string, Record<string, string>, Record<string, unknown>?]> = [
        ['MCP-Protocol-Version missing', { 'mcp-protocol-version': '' }],
        ['MCP-Protocol-Version disagreeing with _meta', { 'mcp-protocol-version': '2025-11-25' }],
        ['Mcp-Method missing', { 'mcp-method': '' }],
        ['Mcp-Method naming another method', { 'mcp-method': 'tools/list' }],
        ['Mcp-Name missing', { 'mcp-name': '' }],
        ['Mcp-Name naming another tool', { 'mcp-name': 'explode' }],
        ['Mcp-Name with a broken base64 sentinel', { 'mcp-name': '=?base64?ZWNo?=' }],
        ['Mcp-Name with base64 of another name', { 'mcp-name': b64('explode') }],
        ['Mcp-Name differing only in case', { 'mcp-name': 'ECHO' }],
      ];
      for (const [name, headers] of cases) {
        it(name, async () => {
          const merged = { ...standardHeaders('tools/call', call), ...headers };
          for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
          const response = await post(fixture.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { ...call, _meta: envelope() } }, merged);
          assert.equal(response.status, 400);
          const body = await json(response);
          assert.equal(body.id, 9);
          assert.equal(body.error.code, -32020);
          assert.doesNotMatch(JSON.stringify(body), /\[tool\]/); // nothing ran
        });
      }

      it('a base64-encoded Mcp-Name that decodes to the body value is accepted', async () => {
        const response = await modernPost(fixture.url, 10, 'tools/call', call, { 'mcp-name': b64('echo') });
        assert.equal(response.status, 200);
        assert.equal((await json(response)).result.content[0].text, '[tool] x');
      });

      it('a resource URI outside the header-safe set travels base64-encoded', async () => {
        const uri = 'notes://ünïcode';
        const response = await modernPost(fixture.url, 11, 'resources/read', { uri }, { 'mcp-name': b64(uri) });
        assert.equal(response.status, 200);
        assert.equal((await json(response)).error.code, -32602); // not found, but the headers passed
      });
    });

    describe('versions and envelopes', () => {
      it('a modern revision this server does not speak: 400, -32022, naming the supported ones', async () => {
        const response = await post(
          fixture.url,
          { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: envelope({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }) } },
          { ...standardHeaders('tools/list'), 'mcp-protocol-version': '2099-01-01' },
        );
        assert.equal(response.status, 400);
        const body = await json(response);
        assert.equal(body.error.code, -32022);
        assert.deepEqual(body.error.data, { supported: [MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'], requested: '2099-01-01' });
      });

      it('a malformed envelope is -32602 naming the key, never a fall back to 2025', async () => {
        for (const meta of [
          { 'io.modelcontextprotocol/protocolVersion': 7 },
          { 'io.modelcontextprotocol/clientCapabilities': undefined },
          { 'io.modelcontextprotocol/clientCapabilities': 'all' },
          { 'io.modelcontextprotocol/clientInfo': { name: 'x' } },
          { 'io.modelcontextprotocol/logLevel': 'loud' },
        ]) {
          const response = await post(fixture.url, { jsonrpc: '2.0', id: 13, method: 'tools/list', params: { _meta: envelope(meta) } }, standardHeaders('tools/list'));
          assert.equal(response.status, 400, JSON.stringify(meta));
          const body = await json(response);
          assert.equal(body.error.code, -32602);
          assert.match(body.error.message, /io\.modelcontextprotocol\//);
        }
      });

      it('a modern MCP-Protocol-Version header on a body without the envelope is -32602', async () => {
        const response = await post(fixture.url, { jsonrpc: '2.0', id: 14, method: 'tools/list' }, standardHeaders('tools/list'));
        assert.equal(response.status, 400);
        assert.equal((await json(response)).error.code, -32602);
      });

      it('initialize with a modern header is a header mismatch', async () => {
        const response = await post(
          fixture.url,
          { jsonrpc: '2.0', id: 15, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
          { 'mcp-protocol-version': MODERN },
        );
        assert.equal(response.status, 400);
        assert.equal((await json(response)).error.code, -32020);
      });

      it('a batch may not carry a 2026-07-28 request', async () => {
        const response = await post(fixture.url, [{ jsonrpc: '2.0', id: 16, method: 'tools/list', params: { _meta: envelope() } }], standardHeaders('tools/list'));
        assert.equal(response.status, 400);
        assert.equal((await json(response)).error.code, -32600);
      });

      it('an Mcp-Session-Id on a 2026-07-28 request is ignored, and none is minted', async () => {
        const response = await modernPost(fixture.url, 17, 'tools/list', {}, { 'mcp-session-id': 'made-up' });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('mcp-session-id'), null);
      });

      it('a 2026-07-28 notification is accepted with 202 and no body', async () => {
        const response = await post(fixture.url, { jsonrpc: '2.0', method: 'notifications/whatever', params: { _meta: envelope() } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'notifications/whatever' });
        assert.equal(response.status, 202);
        assert.equal(await response.text(), '');
      });
    });

    describe('progress and logs travel on the request\'s own stream', () => {
      it('progress, then the result, on an SSE stream; no log message without a level in _meta', async () => {
        const response = await modernPost(fixture.url, 18, 'tools/call', { name: 'slow', arguments: {} }, {}, { progressToken: 'p1' });
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
        const messages = await events(response);
        assert.deepEqual(messages.map((m) => m.method ?? 'reply'), ['notifications/progress', 'notifications/progress', 'reply']);
        assert.equal(messages[2].result.resultType, 'complete');
        assert.match(messages[2].result.content[0].text, /session=none transport=http/);
      });

      it('log messages at or above the level named in _meta', async () => {
        const response = await modernPost(fixture.url, 19, 'tools/call', { name: 'slow', arguments: {} }, {}, { 'io.modelcontextprotocol/logLevel': 'info' });
        const messages = await events(response);
        assert.deepEqual(messages.map((m) => m.method ?? 'reply'), ['notifications/message', 'reply']);
        const quiet = await events(await modernPost(fixture.url, 20, 'tools/call', { name: 'slow', arguments: {} }, {}, { 'io.modelcontextprotocol/logLevel': 'error' }));
        assert.deepEqual(quiet.map((m) => m.method ?? 'reply'), ['reply']);
      });

      it('a client that accepts only JSON gets JSON (notifications dropped)', async () => {
        const response = await modernPost(fixture.url, 21, 'tools/call', { name: 'slow', arguments: {} }, { accept: 'application/json' }, { progressToken: 'p2' });
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        assert.equal((await json(response)).result.resultType, 'complete');
      });
    });
  });
}

for (const adapter of ADAPTERS) {
  describe(`protocol.eras (${adapter})`, () => {
    it('modern: a 2025 initialize is refused with -32022 naming 2026-07-28; GET and DELETE are 405', async () => {
      const fixture = await startFixture({ adapter, mcp: { protocol: { eras: 'modern' }, http: { mode: 'stateful' } } });
      try {
        const response = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
        assert.equal(response.status, 400);
        assert.deepEqual((await json(response)).error, { code: -32022, message: 'Unsupported protocol version: 2025-11-25', data: { supported: [MODERN], requested: '2025-11-25' } });
        await assert.rejects(connectClient(fixture.url));
        for (const method of ['GET', 'DELETE']) assert.equal((await fetch(fixture.url, { method, headers: { accept: 'text/event-stream' } })).status, 405);
        const discover = (await json(await modernPost(fixture.url, 2, 'server/discover'))).result;
        assert.deepEqual(discover.supportedVersions, [MODERN]);
        const client = await connectModernClient(fixture.url);
        assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
        await client.close();
      } finally {
        await fixture.close();
      }
    });

    it('legacy: 2026-07-28 requests meet the 2025 version check; the 2025 client works', async () => {
      const fixture = await startFixture({ adapter, mcp: { protocol: { eras: 'legacy' } } });
      try {
        const response = await modernPost(fixture.url, 1, 'server/discover');
        assert.equal(response.status, 400);
        assert.match((await json(response)).error.message, /unsupported MCP-Protocol-Version/);
        const client = await connectClient(fixture.url);
        assert.ok((await client.listTools()).tools.length > 0);
        await client.close();
      } finally {
        await fixture.close();
      }
    });
  });
}
