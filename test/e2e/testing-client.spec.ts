import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpStaticTokens } from 'nestjs-mcp-auth';
import { connectMcpTestClient } from 'nestjs-mcp-auth/testing';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { post } from '../fixtures/app.fixture.js';
import { authTestModule } from '../fixtures/auth-app.fixture.js';

describe('connectMcpTestClient', () => {
  let app: INestApplication;

  before(async () => {
    const module = authTestModule({
      mcp: {
        http: { path: '/agents/mcp', mode: 'stateful' },
        authenticate: [McpStaticTokens({ tokens: { 'dev-token': { principal: { sub: 'dev' }, scopes: ['notes:read'] } } })],
      },
    });
    app = await NestFactory.create(module, { logger: false });
  });
  after(() => app.close());

  it('starts an app that is not listening on 127.0.0.1 and calls a tool at the configured path with a bearer token', async () => {
    assert.equal(app.getHttpServer().address(), null);
    const connection = await connectMcpTestClient(app, { token: 'dev-token' });
    try {
      assert.equal(app.getHttpServer().address().address, '127.0.0.1');
      assert.equal(connection.url.pathname, '/agents/mcp');
      assert.equal(connection.url.hostname, '127.0.0.1');
      const result = await connection.client.callTool({ name: 'principal', arguments: {} });
      assert.equal((result.structuredContent as { sub: string }).sub, 'dev');
    } finally {
      await connection.close();
    }
  });

  it('connects to a listening app again, and to an endpoint URL', async () => {
    const first = await connectMcpTestClient(app, { token: 'dev-token' });
    const second = await connectMcpTestClient(first.url.href, { token: 'dev-token' });
    try {
      assert.equal(second.url.href, first.url.href);
      assert.deepEqual((await second.client.listTools()).tools.map((t) => t.name), ['principal']);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('fails to connect with a refused token (the 401 reaches the test)', async () => {
    await assert.rejects(connectMcpTestClient(app, { token: 'wrong' }), /401|Unauthorized/);
  });

  it('ends its session when closed', async () => {
    const connection = await connectMcpTestClient(app, { token: 'dev-token' });
    const sessionId = (connection.client.transport as StreamableHTTPClientTransport).sessionId!;
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headers = { authorization: 'Bearer dev-token', 'mcp-session-id': sessionId };
    assert.equal((await post(connection.url, list, headers)).status, 200);
    await connection.close();
    assert.equal((await post(connection.url, list, headers)).status, 404);
  });

  it('wants one way to authenticate', async () => {
    await assert.rejects(connectMcpTestClient(app, { principal: { sub: 'x' } }), /needs an "issuer"/);
  });
});
