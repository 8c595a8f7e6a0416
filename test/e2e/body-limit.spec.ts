import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Body, Controller, HttpCode, Post, Req, type DynamicModule, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ADAPTERS, startFixture, type AdapterName, type Fixture } from '../fixtures/app.fixture.js';
import { authTestModule } from '../fixtures/auth-app.fixture.js';
import { NotesStore, NotesTools } from '../fixtures/notes.components.js';

const MiB = 1024 * 1024;
const LIMIT = 2 * MiB;
const TOO_LARGE = { jsonrpc: '2.0', id: null, error: { code: -32600, message: `Payload Too Large: the body exceeds ${LIMIT} bytes` } };

/** App routes beside the MCP one: `/notes/import`, and `/notes/mcp`, whose path merely ends like the MCP route's. */
@Controller('notes')
class ImportController {
  @Post('import')
  @HttpCode(200)
  import(@Body() body: { text?: string }): { size: number } {
    return { size: body?.text?.length ?? -1 };
  }

  @Post('mcp')
  @HttpCode(200)
  lookalike(@Body() body: { text?: string }): { size: number } {
    return { size: body?.text?.length ?? -1 };
  }
}

/** Answers the length of the raw body Nest's `rawBody: true` keeps. */
@Controller('raw-probe')
class RawProbeController {
  @Post()
  @HttpCode(200)
  probe(@Req() req: { rawBody?: Buffer }): number {
    return req.rawBody?.length ?? -1;
  }
}
const appRoutes: DynamicModule = { module: class AppRoutesModule {}, controllers: [ImportController, RawProbeController] };
/** The raw body length app middleware saw on the MCP route (Nest middleware runs after the body parsers). */
let mcpRawBodyLength = -1;

interface Reply {
  status: number;
  json: any;
  text: string;
}

/** A POST through node:http: `chunked` sends no Content-Length; `endless` never ends the body (the reply must not wait). */
function send(url: URL, body: string, options: { chunked?: boolean; endless?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (!options.chunked && !options.endless) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers, agent: false }, (res: IncomingMessage) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if (options.endless) req.destroy();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    // Writing an endless body may fail once the server has answered and closed: only an unanswered request fails.
    req.on('error', (error) => (answered && options.endless ? undefined : reject(error)));
    req.setTimeout(10_000, () => req.destroy(new Error('no reply within 10 s')));
    const bytes = Buffer.from(body);
    if (!options.chunked && !options.endless) return void req.end(bytes);
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024) req.write(bytes.subarray(offset, offset + 64 * 1024));
    if (!options.endless) req.end();
  });
}

const echoCall = (text: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
/** A ping whose body is exactly `bytes` long. */
function pingOf(bytes: number): string {
  const empty = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: '' } });
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(bytes - empty.length) } });
}

function assertEchoed(reply: Reply, length: number): void {
  assert.equal(reply.status, 200, reply.text.slice(0, 300));
  assert.equal(reply.json.result.content[0].text, `[tool] ${'a'.repeat(length)}`);
}

/** A 413 from the framework's own limit, not from the module's. */
function assertFrameworkTooLarge(reply: Reply): void {
  assert.equal(reply.status, 413, reply.text.slice(0, 300));
  assert.notDeepEqual(reply.json, TOO_LARGE);
}

/** The framework's default JSON limit: Express body-parser 100 kB, Fastify bodyLimit 1 MiB. */
const frameworkLimit = (adapter: AdapterName) => (adapter === 'express' ? 100 * 1024 : MiB);

async function startApp(adapter: AdapterName, appOptions: NestApplicationOptions, setup?: (app: any) => void): Promise<Fixture> {
  const module = authTestModule({
    mcp: { allowAnonymous: true, authenticate: [], http: { maxBodyBytes: LIMIT } },
    imports: [appRoutes],
    providers: [NotesStore, NotesTools],
    middleware: (req, _res, next) => {
      if (req.originalUrl === '/mcp') mcpRawBodyLength = Buffer.isBuffer(req.rawBody) ? req.rawBody.length : -1;
      next();
    },
  });
  const http = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(module, http as never, { logger: false, ...appOptions });
  setup?.(app);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  return { app, base, url: new URL('/mcp', base), close: () => app.close() };
}

for (const adapter of ADAPTERS) {
  describe(`the MCP route takes bodies up to http.maxBodyBytes, whatever the framework's limit (${adapter})`, () => {
    let f: Fixture;
    before(async () => {
      f = await startFixture({ adapter, globalPrefix: 'api', mcp: { http: { maxBodyBytes: LIMIT } }, imports: [appRoutes] });
    });
    after(() => f?.close());

    it('a 500 kB tools/call is served under the global prefix; so is 1.5 MiB, chunked or not', async () => {
      assertEchoed(await send(f.url, echoCall('a'.repeat(500 * 1024))), 500 * 1024);
      assertEchoed(await send(f.url, echoCall('a'.repeat(1.5 * MiB))), 1.5 * MiB);
      assertEchoed(await send(f.url, echoCall('a'.repeat(1.5 * MiB)), { chunked: true }), 1.5 * MiB);
    });

    it("a body of exactly maxBodyBytes is served; one byte more gets the module's 413 JSON-RPC error", async () => {
      assert.deepEqual((await send(f.url, pingOf(LIMIT))).json, { jsonrpc: '2.0', id: 1, result: {} });
      for (const chunked of [false, true]) {
        const reply = await send(f.url, pingOf(LIMIT + 1), { chunked });
        assert.equal(reply.status, 413, reply.text.slice(0, 300));
        assert.deepEqual(reply.json, TOO_LARGE);
      }
    });

    it('a body that never ends is answered 413 as soon as it passes the limit', async () => {
      const reply = await send(f.url, pingOf(LIMIT + 256 * 1024), { endless: true });
      assert.equal(reply.status, 413, reply.text.slice(0, 300));
      assert.deepEqual(reply.json, TOO_LARGE);
    });

    it("an app route keeps the framework's own limit, even one whose path ends like the MCP route's", async () => {
      const limit = frameworkLimit(adapter);
      for (const path of ['/api/notes/import', '/api/notes/mcp']) {
        const url = new URL(path, f.base);
        const under = await send(url, JSON.stringify({ text: 'a'.repeat(limit - 1024) }));
        assert.deepEqual(under.json, { size: limit - 1024 }, path);
        assertFrameworkTooLarge(await send(url, JSON.stringify({ text: 'a'.repeat(limit + 1024) })));
      }
    });

    it('the route is served normally afterwards (no connection or parser left in a bad state)', async () => {
      assertEchoed(await send(f.url, echoCall('a'.repeat(10))), 10);
    });
  });

  describe(`http.maxBodyBytes with bodyParser: false (${adapter})`, () => {
    let f: Fixture;
    before(async () => (f = await startApp(adapter, { bodyParser: false })));
    after(() => f?.close());

    it('the route reads its own body: 1.5 MiB is served, past the limit is 413 at once', async () => {
      assertEchoed(await send(f.url, echoCall('a'.repeat(1.5 * MiB)), { chunked: true }), 1.5 * MiB);
      assert.deepEqual((await send(f.url, pingOf(LIMIT + 1), { chunked: true })).json, TOO_LARGE);
      assert.deepEqual((await send(f.url, pingOf(LIMIT + 256 * 1024), { endless: true })).json, TOO_LARGE);
    });
  });
}

describe('Express: app.useBodyParser and rawBody around the MCP route', () => {
  let f: Fixture;
  before(async () => {
    f = await startApp('express', { rawBody: true }, (app) => app.useBodyParser('json', { limit: '10kb' }));
  });
  after(() => f?.close());

  it("useBodyParser's 10 kB applies to app routes; the MCP route still takes maxBodyBytes", async () => {
    assertFrameworkTooLarge(await send(new URL('/notes/import', f.base), JSON.stringify({ text: 'a'.repeat(20 * 1024) })));
    assertEchoed(await send(f.url, echoCall('a'.repeat(500 * 1024))), 500 * 1024);
  });

  it('rawBody: true keeps the raw body on app routes and on the MCP route alike', async () => {
    const body = JSON.stringify({ text: 'abc' });
    assert.equal((await send(new URL('/raw-probe', f.base), body)).json, Buffer.byteLength(body));
    const call = echoCall('a'.repeat(200 * 1024));
    assertEchoed(await send(f.url, call), 200 * 1024);
    assert.equal(mcpRawBodyLength, Buffer.byteLength(call));
  });
});

describe("Express: a JSON parser the app mounted itself before init keeps what it read", () => {
  let f: Fixture;
  /** A parser of the app's own, with no limit of its own (the route's checks still apply). */
  const ownParser = (req: IncomingMessage & { body?: unknown }, _res: unknown, next: () => void) => {
    if (req.method !== 'POST') return next();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
      req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      next();
    });
  };
  before(async () => (f = await startApp('express', {}, (app) => app.use(ownParser))));
  after(() => f?.close());

  it('the MCP route serves the body that parser read, and still refuses one over maxBodyBytes', async () => {
    assertEchoed(await send(f.url, echoCall('a'.repeat(500 * 1024))), 500 * 1024);
    assert.deepEqual((await send(f.url, pingOf(LIMIT + 1))).json, TOO_LARGE);
  });
});

for (const adapter of ADAPTERS) {
  describe(`http.maxBodyBytes in an app built by @nestjs/testing (${adapter})`, () => {
    let f: Fixture;
    before(async () => {
      const module = authTestModule({ mcp: { allowAnonymous: true, authenticate: [], http: { maxBodyBytes: LIMIT } }, providers: [NotesStore, NotesTools] });
      // The testing module builds providers before the app (and its adapter) exists.
      const testing = await Test.createTestingModule({ imports: [module] }).compile();
      const app = testing.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), { logger: false });
      await app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      f = { app, base, url: new URL('/mcp', base), close: () => app.close() };
    });
    after(() => f?.close());

    it('1.5 MiB is served and past the limit is the 413 JSON-RPC error', async () => {
      assertEchoed(await send(f.url, echoCall('a'.repeat(1.5 * MiB))), 1.5 * MiB);
      assert.deepEqual((await send(f.url, pingOf(LIMIT + 1), { chunked: true })).json, TOO_LARGE);
    });
  });
}
