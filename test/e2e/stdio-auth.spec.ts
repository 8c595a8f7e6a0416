import 'reflect-metadata';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpJwt, McpStaticTokens, runMcpStdio, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { authTestModule } from '../fixtures/auth-app.fixture.js';
import { RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const STATIC = McpStaticTokens({
  tokens: { 'stdio-token': { principal: { sub: 'erin' }, scopes: ['notes:read'], roles: ['ops'], clientId: 'cli-stdio' } },
});

type Json = Record<string, any>;

/** An in-process stdio session: JSON-RPC lines written to stdin, answers read from stdout by id. */
class StdioPeer {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  private buffer = '';
  private readonly answers = new Map<number, Json>();
  private readonly waiting = new Map<number, (message: Json) => void>();

  constructor() {
    this.stdout.setEncoding('utf8');
    this.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const message = JSON.parse(line) as Json;
        if (typeof message.id !== 'number') continue;
        const resolve = this.waiting.get(message.id);
        if (resolve) resolve(message);
        else this.answers.set(message.id, message);
      }
    });
  }

  send(message: Json): void {
    this.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  }

  request(id: number, method: string, params: Json = {}, timeoutMs = 3000): Promise<Json> {
    this.send({ id, method, params });
    const ready = this.answers.get(id);
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to #${id} (${method}) on stdout`)), timeoutMs);
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  /** initialize + initialized, then a call of the `principal` probe; returns what the handler saw. */
  async whoAmI(): Promise<Json> {
    const init = await this.request(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'stdio-test', version: '1' },
    });
    assert.equal(init.result?.serverInfo?.name, 'auth-test');
    this.send({ method: 'notifications/initialized' });
    const call = await this.request(2, 'tools/call', { name: 'principal', arguments: {} });
    assert.equal(call.result?.isError, undefined, JSON.stringify(call));
    return call.result.structuredContent;
  }
}

describe('stdio authentication (in process)', () => {
  const opened: INestApplicationContext[] = [];
  const peers: StdioPeer[] = [];

  async function context(mcp: Partial<McpAuthModuleOptions>): Promise<INestApplicationContext> {
    const app = await NestFactory.createApplicationContext(authTestModule({ mcp: { http: false, resource: undefined, ...mcp } }), {
      logger: false,
      abortOnError: false,
    });
    opened.push(app);
    return app;
  }

  async function connect(mcp: Partial<McpAuthModuleOptions>, env: Record<string, string | undefined>) {
    const app = await context(mcp);
    const peer = new StdioPeer();
    peers.push(peer);
    await runMcpStdio(app, { stdin: peer.stdin, stdout: peer.stdout, env, closeAppOnExit: false });
    return peer;
  }

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.stdin.end();
    for (const app of opened.splice(0)) await app.close();
  });

  it('no token and no stdio.principal (allowAnonymous false): refuses to start', async () => {
    const app = await context({ authenticate: [STATIC] });
    const peer = new StdioPeer();
    await assert.rejects(
      runMcpStdio(app, { stdin: peer.stdin, stdout: peer.stdout, env: {}, closeAppOnExit: false }),
      (error: Error) => (assert.equal(error.message, McpMessages.stdioNoPrincipal('MCP_ACCESS_TOKEN')), true),
    );
  });

  it('a token in the environment with no authenticator to verify it refuses to start (never silently anonymous)', async () => {
    const app = await context({ authenticate: [], allowAnonymous: true });
    await assert.rejects(
      runMcpStdio(app, { stdin: new PassThrough(), stdout: new PassThrough(), env: { MCP_ACCESS_TOKEN: 'stdio-token' }, closeAppOnExit: false }),
      (error: Error) => (assert.equal(error.message, McpMessages.stdioTokenUnverifiable('MCP_ACCESS_TOKEN')), true),
    );
  });

  it('a custom tokenEnv is the variable read and named in the error', async () => {
    const app = await context({ authenticate: [STATIC], stdio: { tokenEnv: 'NOTES_TOKEN' } });
    await assert.rejects(
      runMcpStdio(app, { stdin: new PassThrough(), stdout: new PassThrough(), env: { MCP_ACCESS_TOKEN: 'stdio-token' }, closeAppOnExit: false }),
      (error: Error) => (assert.equal(error.message, McpMessages.stdioNoPrincipal('NOTES_TOKEN')), true),
    );
    const peer = await connect({ authenticate: [STATIC], stdio: { tokenEnv: 'NOTES_TOKEN' } }, { NOTES_TOKEN: 'stdio-token' });
    assert.equal((await peer.whoAmI()).sub, 'erin');
  });

  it('a bad token in the environment is refused, even when stdio.principal is configured', async () => {
    for (const mcp of [{ authenticate: [STATIC] }, { authenticate: [STATIC], stdio: { principal: { principal: { sub: 'fallback' } } } }]) {
      const app = await context(mcp);
      const stdout = new PassThrough();
      await assert.rejects(
        runMcpStdio(app, { stdin: new PassThrough(), stdout, env: { MCP_ACCESS_TOKEN: 'not-a-token' }, closeAppOnExit: false }),
        (error: Error) => (assert.equal(error.message, McpMessages.stdioTokenRefused('MCP_ACCESS_TOKEN')), true),
      );
      assert.equal(stdout.read(), null, 'nothing was served on stdout');
    }
  });

  it('a valid static token in the environment: the principal tool reports that principal', async () => {
    const peer = await connect({ authenticate: [STATIC] }, { MCP_ACCESS_TOKEN: 'stdio-token' });
    assert.deepEqual(await peer.whoAmI(), {
      sub: 'erin',
      clientId: 'cli-stdio',
      scopes: ['notes:read'],
      roles: ['ops'],
      source: 'static',
      hasToken: false,
    });
  });

  it('stdio.principal without a token: that principal, with source "stdio"', async () => {
    const principal = { principal: { sub: 'local-dev' }, scopes: ['notes:write'], roles: ['owner'] };
    const peer = await connect({ authenticate: [STATIC], stdio: { principal } }, {});
    assert.deepEqual(await peer.whoAmI(), {
      sub: 'local-dev',
      clientId: null,
      scopes: ['notes:write'],
      roles: ['owner'],
      source: 'stdio',
      hasToken: false,
    });
  });

  it('a valid token wins over stdio.principal', async () => {
    const peer = await connect(
      { authenticate: [STATIC], stdio: { principal: { principal: { sub: 'local-dev' } } } },
      { MCP_ACCESS_TOKEN: 'stdio-token' },
    );
    assert.equal((await peer.whoAmI()).sub, 'erin');
  });

  it('allowAnonymous without token or principal: the anonymous principal', async () => {
    const peer = await connect({ allowAnonymous: true }, {});
    assert.deepEqual(await peer.whoAmI(), { sub: 'anonymous', clientId: null, scopes: [], roles: [], source: 'anonymous', hasToken: false });
  });

  it('the same stdio app does not read process.env when env is passed', async () => {
    const previous = process.env.MCP_ACCESS_TOKEN;
    process.env.MCP_ACCESS_TOKEN = 'stdio-token';
    try {
      const app = await context({ authenticate: [STATIC] });
      await assert.rejects(runMcpStdio(app, { stdin: new PassThrough(), stdout: new PassThrough(), env: {}, closeAppOnExit: false }));
    } finally {
      if (previous === undefined) delete process.env.MCP_ACCESS_TOKEN;
      else process.env.MCP_ACCESS_TOKEN = previous;
    }
  });

  describe('with a real identity provider', () => {
    let idp: TestIdp;
    before(async () => (idp = await startIdp([{ id: 'cli-agent', secret: 'cli-secret-0123456789', scopes: ['notes:read'] }], RESOURCE)));
    after(() => idp.close());

    it('a real JWT in the environment is verified by McpJwt (audience bound to resource)', async () => {
      const jwt = () => McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer });
      const peer = await connect({ resource: RESOURCE, authenticate: [jwt()] }, { MCP_ACCESS_TOKEN: await idp.token('cli-agent') });
      const seen = await peer.whoAmI();
      assert.deepEqual(seen, { sub: 'cli-agent', clientId: 'cli-agent', scopes: ['notes:read'], roles: [], source: 'jwt', hasToken: false });

      const otherAudience = await idp.token('cli-agent', { resource: 'https://other.example/mcp' });
      const app = await context({ resource: RESOURCE, authenticate: [jwt()] });
      await assert.rejects(
        runMcpStdio(app, { stdin: new PassThrough(), stdout: new PassThrough(), env: { MCP_ACCESS_TOKEN: otherAudience }, closeAppOnExit: false }),
        (error: Error) => (assert.equal(error.message, McpMessages.stdioTokenRefused('MCP_ACCESS_TOKEN')), true),
      );
    });
  });
});
