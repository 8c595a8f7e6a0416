import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Controller, Delete, Module } from '@nestjs/common';
import { ADAPTERS, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { HangProbe } from '../fixtures/notes.components.js';

/** An app route beside the MCP one, to check that what the module does on its own path stays there. */
@Controller('notes')
class OtherController {
  @Delete()
  remove(): string {
    return 'removed';
  }
}
@Module({ controllers: [OtherController] })
class OtherRoutesModule {}

const rpc = (id: number, method: string, params?: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method, ...(params && { params }) });
const INITIALIZE = rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
const JSON_ONLY = { accept: 'application/json' };

/** Asserts a JSON-RPC error reply: status, the JSON content type and the exact error body. */
async function assertRpcError(response: Response, status: number, code: number, message: string): Promise<void> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: null, error: { code, message } });
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A request on a connection of its own that the test can cut (fetch's abort may leave a pooled socket open
 * on the server, which would make app.close() wait for the keep-alive timeout).
 */
function openRequest(url: URL, method: string, headers: Record<string, string>, body?: unknown) {
  const req = request(url, { method, headers, agent: false });
  req.on('error', () => undefined);
  const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
  req.end(body === undefined ? undefined : JSON.stringify(body));
  return { response, destroy: () => req.destroy() };
}

/** Starts `hang` and waits until its handler runs. */
async function startHang(url: URL, headers: Record<string, string> = {}) {
  const started = HangProbe.started;
  const call = openRequest(
    url,
    'POST',
    { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    rpc(7, 'tools/call', { name: 'hang', arguments: {} }),
  );
  await until(() => HangProbe.started > started, 'the hang handler to start');
  return call;
}

for (const adapter of ADAPTERS) {
  describe(`Streamable HTTP over ${adapter}: stateless`, () => {
    let f: Fixture;
    before(async () => (f = await startFixture({ adapter })));
    after(() => f?.close());

    it('a request without Origin is served as JSON', async () => {
      const response = await post(f.url, rpc(3, 'ping'));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 3, result: {} });
    });

    it('a JSON reply carries its Content-Length (not chunked)', async () => {
      const { response } = openRequest(new URL(f.url), 'POST', { 'content-type': 'application/json', ...JSON_ONLY }, rpc(4, 'ping'));
      const reply = await response;
      let body = '';
      for await (const chunk of reply) body += chunk;
      assert.equal(reply.headers['transfer-encoding'], undefined);
      assert.equal(reply.headers['content-length'], String(Buffer.byteLength(body)));
      assert.deepEqual(JSON.parse(body), { jsonrpc: '2.0', id: 4, result: {} });
    });

    it('a foreign Origin gets 403; the same origin is allowed', async () => {
      await assertRpcError(
        await post(f.url, rpc(1, 'ping'), { origin: 'https://evil.example' }),
        403,
        -32000,
        'Forbidden: the Origin of this request is not allowed',
      );
      await assertRpcError(await post(f.url, rpc(1, 'ping'), { origin: 'null' }), 403, -32000, 'Forbidden: the Origin of this request is not allowed');
      const same = await post(f.url, rpc(2, 'ping'), { origin: f.base });
      assert.equal(same.status, 200);
      assert.deepEqual(await same.json(), { jsonrpc: '2.0', id: 2, result: {} });
    });

    it('a body that is not JSON by Content-Type gets 415', async () => {
      await assertRpcError(
        await post(f.url, JSON.stringify(rpc(1, 'ping')), { 'content-type': 'text/plain' }),
        415,
        -32600,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    });

    it(
      'invalid JSON gets 400 with the JSON-RPC parse error -32700',

      async () => {
        await assertRpcError(await post(f.url, '{"jsonrpc": "2.0", '), 400, -32700, 'Parse error: the body is not valid JSON');
      },
    );

    it('JSON that is not JSON-RPC gets 400 -32600', async () => {
      const message = 'Invalid Request: the body is not a JSON-RPC 2.0 message or batch';
      await assertRpcError(await post(f.url, { hello: 'world' }), 400, -32600, message);
      await assertRpcError(await post(f.url, []), 400, -32600, message);
      await assertRpcError(await post(f.url, { jsonrpc: '1.0', id: 1, method: 'ping' }), 400, -32600, message);
    });

    it('an unsupported MCP-Protocol-Version gets 400; a supported one is served', async () => {
      const response = await post(f.url, rpc(1, 'ping'), { 'mcp-protocol-version': '1999-01-01' });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { code: number; message: string } };
      assert.equal(body.error.code, -32600);
      assert.match(body.error.message, /^Bad Request: unsupported MCP-Protocol-Version "1999-01-01" \(supported: .*2025-06-18.*\)$/);
      assert.equal((await post(f.url, rpc(1, 'ping'), { 'mcp-protocol-version': '2025-06-18' })).status, 200);
    });

    it('an Accept header without JSON or event streams gets 406', async () => {
      const response = await post(f.url, rpc(1, 'ping'), { accept: 'text/html' });
      await assertRpcError(response, 406, -32600, 'Not Acceptable: the Accept header must include application/json and text/event-stream');
    });

    it('GET and DELETE get 405 with Allow: POST', async () => {
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(f.url, { method, headers: { accept: 'text/event-stream' } });
        assert.equal(response.headers.get('allow'), 'POST');
        await assertRpcError(response, 405, -32600, 'Method not allowed in stateless mode');
      }
    });

    it('a POST of notifications only gets 202 and no body', async () => {
      const response = await post(f.url, { jsonrpc: '2.0', method: 'notifications/initialized' });
      assert.equal(response.status, 202);
      assert.equal(await response.text(), '');
    });

    it('a batch of two requests gets an array of two responses', async () => {
      const response = await post(f.url, [rpc(1, 'ping'), rpc(2, 'tools/call', { name: 'echo', arguments: { text: 'b' } })]);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), [
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: '[tool] b' }] } },
      ]);
    });

    it('a client that disconnects aborts the running handler', async () => {
      const aborted = HangProbe.aborted;
      const hang = await startHang(f.url);
      hang.destroy();
      await until(() => HangProbe.aborted > aborted, 'the handler to see the abort signal');
      assert.equal(HangProbe.aborted, aborted + 1);
    });

    it('a handler that first asks for its signal after the client left still sees it aborted', async () => {
      const { lateStarted, lateAborted } = HangProbe;
      let release!: () => void;
      HangProbe.release = new Promise<void>((resolve) => (release = resolve));
      const call = openRequest(
        new URL(f.url),
        'POST',
        { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        rpc(8, 'tools/call', { name: 'lateHang', arguments: {} }),
      );
      await until(() => HangProbe.lateStarted > lateStarted, 'the lateHang handler to start');
      call.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the server sees the connection close first
      release();
      await until(() => HangProbe.lateAborted > lateAborted, 'the handler to see its signal aborted');
    });
  });

  describe(`Streamable HTTP over ${adapter}: allowedOrigins`, () => {
    let f: Fixture;
    before(async () => (f = await startFixture({ adapter, mcp: { http: { allowedOrigins: ['https://app.example.com/'] } } })));
    after(() => f?.close());

    it('an allowed Origin is served and others still get 403', async () => {
      assert.equal((await post(f.url, rpc(1, 'ping'), { origin: 'https://app.example.com' })).status, 200);
      assert.equal((await post(f.url, rpc(1, 'ping'), { origin: 'https://app.example.com:8443' })).status, 403);
      assert.equal((await post(f.url, rpc(1, 'ping'), { origin: 'http://app.example.com' })).status, 403);
    });
  });

  describe(`Streamable HTTP over ${adapter}: stateful`, () => {
    let f: Fixture;
    before(async () => (f = await startFixture({ adapter, mcp: { http: { mode: 'stateful' } } })));
    after(() => f?.close());

    const open = async () => {
      const response = await post(f.url, INITIALIZE, JSON_ONLY);
      assert.equal(response.status, 200);
      const id = response.headers.get('mcp-session-id');
      assert.match(id ?? '', /^[A-Za-z0-9_-]{22}$/);
      const body = (await response.json()) as { id: number; result: { serverInfo: unknown } };
      assert.equal(body.id, 1);
      assert.deepEqual(body.result.serverInfo, { name: 'notes-test', version: '1.0.0' });
      return id!;
    };

    it('initialize returns a fresh 128-bit Mcp-Session-Id', async () => {
      const first = await open();
      const second = await open();
      assert.notEqual(first, second);
      assert.equal(Buffer.from(first, 'base64url').length, 16);
    });

    it('requests need the session header: missing → 400, unknown → 404', async () => {
      await assertRpcError(await post(f.url, rpc(2, 'ping'), JSON_ONLY), 400, -32600, 'Bad Request: the Mcp-Session-Id header is required');
      await assertRpcError(
        await post(f.url, rpc(2, 'ping'), { ...JSON_ONLY, 'mcp-session-id': 'AAAAAAAAAAAAAAAAAAAAAA' }),
        404,
        -32000,
        'Session not found',
      );
    });

    it('a request in the session is answered with JSON or, when accepted, an event stream', async () => {
      const id = await open();
      const json = await post(f.url, rpc(2, 'ping'), { ...JSON_ONLY, 'mcp-session-id': id });
      assert.equal(json.status, 200);
      assert.equal(json.headers.get('mcp-session-id'), id);
      assert.deepEqual(await json.json(), { jsonrpc: '2.0', id: 2, result: {} });
      const sse = await post(f.url, rpc(3, 'ping'), { 'mcp-session-id': id });
      assert.equal(sse.status, 200);
      assert.equal(sse.headers.get('content-type'), 'text/event-stream');
      const events = (await sse.text()).split('\n\n').filter(Boolean);
      assert.equal(events.length, 1);
      const [event, data] = events[0].split('\n');
      assert.equal(event, 'event: message');
      assert.ok(data.startsWith('data: '));
      assert.deepEqual(JSON.parse(data.slice('data: '.length)), { jsonrpc: '2.0', id: 3, result: {} });
    });

    it('initialize must come alone and without a session id', async () => {
      const id = await open();
      await assertRpcError(
        await post(f.url, INITIALIZE, { ...JSON_ONLY, 'mcp-session-id': id }),
        400,
        -32600,
        'Bad Request: initialize must not carry an Mcp-Session-Id header',
      );
      await assertRpcError(
        await post(f.url, [INITIALIZE, rpc(2, 'ping')], JSON_ONLY),
        400,
        -32600,
        'Bad Request: initialize must be the only message of its request',
      );
    });

    it('DELETE ends the session: 204, then the id is unknown', async () => {
      const id = await open();
      const deleted = await fetch(f.url, { method: 'DELETE', headers: { 'mcp-session-id': id } });
      assert.equal(deleted.status, 204);
      await assertRpcError(await post(f.url, rpc(2, 'ping'), { ...JSON_ONLY, 'mcp-session-id': id }), 404, -32000, 'Session not found');
      assert.equal((await fetch(f.url, { method: 'DELETE', headers: { 'mcp-session-id': id } })).status, 404);
    });

    it('GET opens the event stream; a second one gets 409 until the first closes', async () => {
      const id = await open();
      const headers = { accept: 'text/event-stream', 'mcp-session-id': id };
      const first = openRequest(f.url, 'GET', headers);
      const stream = await first.response;
      assert.equal(stream.statusCode, 200);
      assert.equal(stream.headers['content-type'], 'text/event-stream');
      assert.equal(stream.headers['mcp-session-id'], id);
      await assertRpcError(await fetch(f.url, { headers }), 409, -32600, 'Conflict: this session already has an open event stream');
      first.destroy();
      // The server notices the closed connection asynchronously: retry until it frees the slot.
      let status: number | undefined;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
        const retry = openRequest(f.url, 'GET', headers);
        status = (await retry.response).statusCode;
        retry.destroy();
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 200);
    });

    it('GET without Accept: text/event-stream gets 406', async () => {
      const id = await open();
      await assertRpcError(
        await fetch(f.url, { headers: { accept: 'application/json', 'mcp-session-id': id } }),
        406,
        -32600,
        'Not Acceptable: the Accept header must include text/event-stream',
      );
    });

    it('a client that disconnects from a streamed call aborts the handler', async () => {
      const id = await open();
      const aborted = HangProbe.aborted;
      const hang = await startHang(f.url, { 'mcp-session-id': id });
      hang.destroy();
      await until(() => HangProbe.aborted > aborted, 'the handler to see the abort signal');
    });
  });

  describe(`Streamable HTTP over ${adapter}: routing`, () => {
    it('the route lives under the global prefix', async () => {
      const f = await startFixture({ adapter, globalPrefix: 'api' });
      try {
        assert.equal(f.url.pathname, '/api/mcp');
        assert.equal((await post(f.url, rpc(1, 'ping'))).status, 200);
        assert.equal((await post(new URL('/mcp', f.base), rpc(1, 'ping'))).status, 404);
      } finally {
        await f.close();
      }
    });

    it("a bodiless DELETE with a JSON Content-Type is the framework's to answer on the app's other routes", async () => {
      const f = await startFixture({ adapter, imports: [{ module: OtherRoutesModule }] });
      try {
        const other = await fetch(new URL('/notes', f.base), { method: 'DELETE', headers: { 'content-type': 'application/json' } });
        // Fastify refuses an empty JSON body (the module drops that header only on the MCP path); Express accepts it.
        assert.equal(other.status, adapter === 'fastify' ? 400 : 200, await other.text());
        const mcp = await fetch(f.url, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
        assert.equal(mcp.status, 405, 'the MCP route itself answers: DELETE is not allowed in stateless mode');
      } finally {
        await f.close();
      }
    });

    it('http.path moves the route', async () => {
      const f = await startFixture({ adapter, mcp: { http: { path: '/rpc/v1' } } });
      try {
        assert.equal(f.url.pathname, '/rpc/v1');
        assert.deepEqual(await (await post(f.url, rpc(1, 'ping'))).json(), { jsonrpc: '2.0', id: 1, result: {} });
        assert.equal((await post(new URL('/mcp', f.base), rpc(1, 'ping'))).status, 404);
      } finally {
        await f.close();
      }
    });

    it(
      'app.close() ends open event streams instead of waiting for them',

      async () => {
        const f = await startFixture({ adapter, mcp: { http: { mode: 'stateful' } } });
        const id = (await post(f.url, INITIALIZE, JSON_ONLY)).headers.get('mcp-session-id')!;
        const stream = openRequest(f.url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': id });
        assert.equal((await stream.response).statusCode, 200);
        const closing = f.close();
        const outcome = await Promise.race([
          closing.then(() => 'closed'),
          new Promise((resolve) => setTimeout(() => resolve('still open after 1s'), 1000)),
        ]);
        stream.destroy(); // never leave the server behind, whatever the outcome
        await closing;
        assert.equal(outcome, 'closed');
      },
    );
  });
}
