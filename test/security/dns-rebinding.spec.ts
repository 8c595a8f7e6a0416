import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { McpContext, McpTool } from 'nestjs-mcp-auth';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';
import { HangProbe, NotesStore, NotesTools } from '../fixtures/notes.components.js';
import {
  assertRpcError,
  assertWellFormed,
  bearer,
  INITIALIZE,
  JSON_HEADERS,
  jsonOf,
  MESSAGES,
  rawRequest,
  rpc,
  staticPrincipals,
  until,
  type RawRequest,
} from './security.support.js';

/**
 * DNS rebinding (MCP transport spec, security warning): a page on evil.example re-points its name at 127.0.0.1 and
 * talks to a local MCP server from the victim's browser. The browser then sends `Host: evil.example[:port]` and,
 * being same-origin with itself, `Origin: http://evil.example[:port]`. Plus the hostile-input limits and shutdown.
 * Every request here goes through node:http: fetch cannot set Host.
 */

const { callers, authenticate } = staticPrincipals(1, 'rebind');
const TOKEN = callers[0].token;
const AUTH = { ...JSON_HEADERS, ...bearer(TOKEN) };
const PING = JSON.stringify(rpc(1, 'ping'));
const PONG = { jsonrpc: '2.0', id: 1, result: {} };

/** A POST of `body` (default: ping) to the app with the given extra headers. */
const send = (app: Fixture, headers: Record<string, string | undefined>, body: string = PING, extra: RawRequest = {}) =>
  rawRequest(app.url, { headers: { ...AUTH, ...headers }, body, ...extra });

const portOf = (app: Fixture) => app.url.port;

/** A tool that takes a second (or until cancelled): an in-flight call during shutdown. */
@Injectable()
class NapTools {
  static started = 0;

  @McpTool({ description: 'Sleeps for a second' })
  async nap(@McpContext() ctx: McpContext) {
    NapTools.started++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    return ctx.signal.aborted ? 'cancelled' : 'rested';
  }
}

/** Opens the session's GET event stream on a connection of its own; `ended` resolves when the server ends it. */
async function openStream(app: Fixture, session: string) {
  const req = request(app.url, { method: 'GET', agent: false, headers: { ...bearer(TOKEN), accept: 'text/event-stream', 'mcp-session-id': session } });
  req.on('error', () => undefined);
  const response = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve).end());
  response.resume();
  const ended = new Promise<string>((resolve) => {
    response.once('end', () => resolve('ended'));
    response.once('close', () => resolve('ended'));
  });
  return { response, ended, destroy: () => void req.destroy() };
}

for (const adapter of ADAPTERS) {
  describe(`DNS rebinding: Host and Origin checks on a loopback-bound app (${adapter})`, () => {
    let app: Fixture;
    before(async () => (app = await startAuthApp(adapter, { mcp: { authenticate } })));
    after(() => app?.close());

    it('an evil Origin gets 403 before authentication is even looked at', async () => {
      for (const origin of ['https://evil.example', 'null', `http://localhost.evil.example:${portOf(app)}`, 'not a url']) {
        assertRpcError(await send(app, { origin }), 403, -32000, MESSAGES.originNotAllowed);
        // Without a token the answer is the same 403 (the Origin guard runs first), never a 401 challenge.
        const anonymous = await send(app, { origin, authorization: undefined });
        assertRpcError(anonymous, 403, -32000, MESSAGES.originNotAllowed);
        assert.equal(anonymous.headers['www-authenticate'], undefined);
      }
    });

    it('an evil Host on a loopback-bound app gets 403, whatever the method', async () => {
      const port = portOf(app);
      for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, '10.0.0.1', 'EVIL.example']) {
        assertRpcError(await send(app, { host }), 403, -32000, MESSAGES.hostNotAllowed);
        for (const method of ['GET', 'DELETE']) {
          const response = await rawRequest(app.url, { method, headers: { ...bearer(TOKEN), accept: 'text/event-stream', host } });
          assertRpcError(response, 403, -32000, MESSAGES.hostNotAllowed);
        }
      }
    });

    it('the rebinding page itself (Host and Origin both evil.example:PORT, same-origin to each other) is refused by the Host check', async () => {
      const host = `evil.example:${portOf(app)}`;
      assertRpcError(await send(app, { host, origin: `http://${host}` }), 403, -32000, MESSAGES.hostNotAllowed);
    });

    it('Host localhost:PORT, 127.0.0.1:PORT, [::1]:PORT (any case) are served', async () => {
      const port = portOf(app);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LocalHost:${port}`, 'localhost']) {
        const response = await send(app, { host });
        assert.equal(response.status, 200, `${host}: ${response.text}`);
        assert.deepEqual(jsonOf(response), PONG);
      }
      // A same-origin browser page on the loopback name is served too.
      const same = await send(app, { host: `localhost:${port}`, origin: `http://localhost:${port}` });
      assert.deepEqual(jsonOf(same), PONG);
    });

    it('X-Forwarded-Host from an untrusted peer is ignored in both directions', async () => {
      const port = portOf(app);
      // Forged to look local: still refused on the real Host.
      for (const forwarded of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`]) {
        assertRpcError(await send(app, { host: 'evil.example', 'x-forwarded-host': forwarded }), 403, -32000, MESSAGES.hostNotAllowed);
      }
      // Forged to look foreign: the real (loopback) Host is what counts, so it is served.
      const served = await send(app, { host: `localhost:${port}`, 'x-forwarded-host': 'evil.example' });
      assert.deepEqual(jsonOf(served), PONG);
      // ...and cannot make an evil Origin look same-origin.
      const origin = await send(app, { host: `localhost:${port}`, 'x-forwarded-host': 'evil.example', origin: 'http://evil.example' });
      assertRpcError(origin, 403, -32000, MESSAGES.originNotAllowed);
    });
  });

  describe(`DNS rebinding: behind a trusted proxy with allowedHosts (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, {
        mcp: { authenticate, http: { trustedProxies: ['127.0.0.1'], allowedHosts: ['api.example.com'] } },
      });
    });
    after(() => app?.close());

    it('X-Forwarded-Host api.example.com from the trusted proxy passes; evil.example is refused', async () => {
      const loopback = `127.0.0.1:${portOf(app)}`;
      assert.deepEqual(jsonOf(await send(app, { host: loopback, 'x-forwarded-host': 'api.example.com' })), PONG);
      assert.deepEqual(jsonOf(await send(app, { host: loopback, 'x-forwarded-host': 'API.example.com:443' })), PONG);
      for (const forwarded of ['evil.example', 'evil.example, api.example.com', 'api.example.com.evil.example']) {
        assertRpcError(await send(app, { host: loopback, 'x-forwarded-host': forwarded }), 403, -32000, MESSAGES.hostNotAllowed);
      }
    });

    it('with an explicit list every request must name a listed host, loopback names included', async () => {
      assert.deepEqual(jsonOf(await send(app, { host: 'api.example.com' })), PONG);
      for (const host of [`localhost:${portOf(app)}`, `127.0.0.1:${portOf(app)}`, 'evil.example']) {
        assertRpcError(await send(app, { host }), 403, -32000, MESSAGES.hostNotAllowed);
      }
    });

    it('Origin is compared with the forwarded host: https://api.example.com is same-origin, others are not', async () => {
      const loopback = `127.0.0.1:${portOf(app)}`;
      const proxied = { host: loopback, 'x-forwarded-host': 'api.example.com' };
      assert.deepEqual(jsonOf(await send(app, { ...proxied, origin: 'https://api.example.com' })), PONG);
      assertRpcError(await send(app, { ...proxied, origin: 'https://evil.example' }), 403, -32000, MESSAGES.originNotAllowed);
    });
  });

  describe(`DNS rebinding: allowedHosts ['*'] turns the Host check off (${adapter})`, () => {
    let app: Fixture;
    before(async () => (app = await startAuthApp(adapter, { mcp: { authenticate, http: { allowedHosts: ['*'] } } })));
    after(() => app?.close());

    it('any Host is served, while a foreign Origin is still refused', async () => {
      assert.deepEqual(jsonOf(await send(app, { host: 'evil.example' })), PONG);
      assert.deepEqual(jsonOf(await send(app, { host: `evil.example:${portOf(app)}` })), PONG);
      assertRpcError(await send(app, { host: 'evil.example', origin: 'https://other.example' }), 403, -32000, MESSAGES.originNotAllowed);
    });
  });

  describe(`hostile input limits with the defaults (${adapter})`, () => {
    let app: Fixture;
    before(async () => (app = await startAuthApp(adapter, { mcp: { authenticate } })));
    after(() => app?.close());

    it('a body over the default maxBodyBytes (1 MiB) gets 413 as a JSON-RPC error', async () => {
      const body = JSON.stringify(rpc(1, 'ping', { pad: 'x'.repeat(1024 * 1024 + 10) }));
      const response = await send(app, {}, body);
      // The MCP route reads its body under maxBodyBytes on both adapters (not Express's 100 kB), so the 413 names it.
      assertRpcError(response, 413, -32600, MESSAGES.bodyTooLarge(1024 * 1024));
    });

    it('invalid JSON gets 400 -32700, with or without a token', async () => {
      for (const body of ['{"jsonrpc": "2.0", ', '{', 'nul', '[1,]', "{'jsonrpc':'2.0'}", '{"a":1}}', '\u0000']) {
        assertRpcError(await send(app, {}, body), 400, -32700, MESSAGES.parseError);
        assertRpcError(await send(app, { authorization: undefined }, body), 400, -32700, MESSAGES.parseError);
      }
    });

    it('nesting at maxJsonDepth (64) is accepted, one level deeper gets 400 -32600', async () => {
      const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { n: nested(levels - 1) });
      // The message is level 1 and `params` level 2: params holding 62 more levels make 64 in all.
      const atLimit = await send(app, {}, JSON.stringify(rpc(1, 'ping', { n: nested(62) })));
      assert.equal(atLimit.status, 200, atLimit.text.slice(0, 200));
      assert.deepEqual(jsonOf(atLimit), PONG);
      const over = await send(app, {}, JSON.stringify(rpc(1, 'ping', { n: nested(63) })));
      assertRpcError(over, 400, -32600, MESSAGES.tooDeep(64));
      const arrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
      assertRpcError(await send(app, {}, arrays(65)), 400, -32600, MESSAGES.tooDeep(64));
    });

    it('50,000 levels of nesting are refused without exhausting the stack, and the server keeps serving', async () => {
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      assertRpcError(await send(app, {}, deep), 400, -32600, MESSAGES.tooDeep(64));
      const objects = '{"a":'.repeat(15_000) + '1' + '}'.repeat(15_000); // under Express's 100 kB limit
      assertRpcError(await send(app, {}, objects), 400, -32600, MESSAGES.tooDeep(64));
      assert.deepEqual(jsonOf(await send(app, {})), PONG);
    });

    it('a batch of maxBatchSize (32) is served; 33 messages get 400 -32600 and none of them runs', async () => {
      const batch = (size: number) => JSON.stringify(Array.from({ length: size }, (_, i) => rpc(i + 1, i === 0 ? 'tools/call' : 'ping', i === 0 ? { name: 'principal', arguments: {} } : undefined)));
      const served = await send(app, {}, batch(32));
      assert.equal(served.status, 200);
      const replies = jsonOf<Array<{ id: number }>>(served);
      assert.deepEqual(replies.map((r) => r.id).sort((a, b) => a - b), Array.from({ length: 32 }, (_, i) => i + 1));
      assertRpcError(await send(app, {}, batch(33)), 400, -32600, MESSAGES.batchTooLarge(32));
    });

    it('a body that is not JSON by Content-Type gets 415 (the CSRF "simple request" types included)', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined, 'application/jsonx', 'text/json']) {
        const response = await send(app, { 'content-type': type }, type?.startsWith('multipart') ? '--x--\r\n' : PING);
        assert.equal(response.status, 415, `${type}: ${response.text}`);
      }
    });

    it(
      'the 415 for a non-JSON Content-Type is a JSON-RPC error on every adapter',
      async () => {
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined, 'application/jsonx', 'text/json']) {
          const response = await send(app, { 'content-type': type }, type?.startsWith('multipart') ? '--x--\r\n' : PING);
          assertRpcError(response, 415, -32600, MESSAGES.unsupportedMediaType);
        }
      },
    );

    it(
      'an empty body with Content-Type application/json gets a JSON-RPC 400',
      async () => {
        const response = await send(app, {}, '');
        assert.equal(response.status, 400);
        assertWellFormed(response);
        assert.ok([-32700, -32600].includes(jsonOf(response).error.code));
      },
    );

    it(
      'every other framework body-parser refusal on the MCP path is a JSON-RPC error too (charset, content-encoding)',
      async () => {
        for (const headers of [
          { 'content-type': 'application/json; charset=latin1' },
          { 'content-encoding': 'bogus' },
          { 'content-encoding': 'gzip' },
        ]) {
          const response = await send(app, headers);
          assert.ok(response.status < 500, `${JSON.stringify(headers)}: ${response.status}`);
          assertWellFormed(response, {}, JSON.stringify(headers));
        }
      },
    );

    it('an unknown method gets the JSON-RPC error -32601 with its id, alone and in a batch', async () => {
      const alone = await send(app, {}, JSON.stringify(rpc(7, 'admin/shutdown')));
      assert.equal(alone.status, 200);
      assert.deepEqual(jsonOf(alone), { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } });
      const batch = jsonOf<Array<{ id: number; error?: { code: number } }>>(await send(app, {}, JSON.stringify([rpc(8, 'nope'), rpc(9, 'ping')])));
      assert.deepEqual(batch.map((r) => [r.id, r.error?.code ?? 'ok']).sort(), [[8, -32601], [9, 'ok']]);
    });
  });

  describe(`hostile input limits with custom values (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, { mcp: { authenticate, http: { maxBodyBytes: 4096, maxJsonDepth: 8, maxBatchSize: 4 } } });
    });
    after(() => app?.close());

    it('maxBodyBytes: 4096 refuses an 8 kB body (Content-Length) with 413 JSON-RPC, and serves 3 kB', async () => {
      const body = (size: number) => JSON.stringify(rpc(1, 'ping', { pad: 'x'.repeat(size) }));
      assertRpcError(await send(app, {}, body(8 * 1024)), 413, -32600, MESSAGES.bodyTooLarge(4096));
      assert.deepEqual(jsonOf(await send(app, {}, body(3 * 1024))), PONG);
    });

    it(
      'maxBodyBytes also holds for a chunked body (no Content-Length)',
      {},
      async () => {
        const body = JSON.stringify(rpc(1, 'ping', { pad: 'x'.repeat(8 * 1024) }));
        assertRpcError(await send(app, {}, body, { chunked: true }), 413, -32600, MESSAGES.bodyTooLarge(4096));
      },
    );

    it('maxJsonDepth: 8 and maxBatchSize: 4 move the limits', async () => {
      const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
      assert.deepEqual(jsonOf(await send(app, {}, JSON.stringify(rpc(1, 'ping', { n: nested(6) })))), PONG); // message, params + 6 = 8
      assertRpcError(await send(app, {}, JSON.stringify(rpc(1, 'ping', { n: nested(7) }))), 400, -32600, MESSAGES.tooDeep(8));
      const batch = (size: number) => JSON.stringify(Array.from({ length: size }, (_, i) => rpc(i + 1, 'ping')));
      assert.equal(jsonOf<unknown[]>(await send(app, {}, batch(4))).length, 4);
      assertRpcError(await send(app, {}, batch(5)), 400, -32600, MESSAGES.batchTooLarge(4));
    });
  });

  describe(`graceful shutdown (${adapter})`, () => {
    it('app.close() with an open GET stream and an in-flight slow call finishes within 5 s; the call completes and the stream ends', async () => {
      const app = await startAuthApp(adapter, { mcp: { authenticate, http: { mode: 'stateful' } }, providers: [NapTools] });
      let closing: Promise<void> | undefined;
      const streamRequest = { destroy: () => undefined as void };
      try {
        const init = await send(app, { accept: 'application/json' }, JSON.stringify(INITIALIZE));
        assert.equal(init.status, 200, init.text);
        const session = String(init.headers['mcp-session-id']);

        const stream = await openStream(app, session);
        streamRequest.destroy = stream.destroy;
        assert.equal(stream.response.statusCode, 200);

        const started = NapTools.started;
        const call = send(app, { accept: 'application/json', 'mcp-session-id': session }, JSON.stringify(rpc(5, 'tools/call', { name: 'nap', arguments: {} })));
        await until(() => NapTools.started > started, 'the nap handler to start');

        const t0 = Date.now();
        closing = app.close();
        const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still closing after 5 s'), 5000))]);
        assert.equal(outcome, 'closed');
        assert.ok(Date.now() - t0 < 5000);
        assert.equal(await Promise.race([stream.ended, new Promise((r) => setTimeout(() => r('stream still open'), 1000))]), 'ended');

        const answered = await call;
        assert.equal(answered.status, 200, answered.text);
        assert.deepEqual(jsonOf(answered).result.content, [{ type: 'text', text: 'rested' }]);
        await assert.rejects(send(app, {}), /ECONNREFUSED/, 'the port no longer accepts connections');
      } finally {
        streamRequest.destroy();
        await (closing ?? app.close());
      }
    });

    it(
      'app.close() does not wait forever for an in-flight call that waits for cancellation: its handler is aborted',
      {},
      async () => {
        const app = await startAuthApp(adapter, { mcp: { authenticate }, providers: [NotesStore, NotesTools] });
        const started = HangProbe.started;
        const aborted = HangProbe.aborted;
        const req = request(app.url, { method: 'POST', agent: false, headers: { ...AUTH, accept: 'application/json' } });
        req.on('error', () => undefined);
        req.end(JSON.stringify(rpc(9, 'tools/call', { name: 'hang', arguments: {} })));
        let closing: Promise<void> | undefined;
        try {
          await until(() => HangProbe.started > started, 'the hang handler to start');
          closing = app.close();
          const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still closing after 3 s'), 3000))]);
          assert.equal(outcome, 'closed');
          assert.equal(HangProbe.aborted, aborted + 1, 'the handler saw its abort signal');
        } finally {
          req.destroy(); // lets a hung close() finish whatever the outcome
          await (closing ?? app.close());
        }
      },
    );
  });
}
