import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { McpAuthGuard, McpPrincipal, McpStaticTokens, McpTool, type McpAuthResult } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';

/**
 * The MCP route's own guard authenticates as `McpAuthGuard` does. A result an app-wide `McpAuthGuard` (or a subclass)
 * already stored on the request is the one the route keeps: the request is not authenticated a second time.
 */

@Injectable()
class StampingAuthGuard extends McpAuthGuard {
  protected override handleRequest(error: unknown, result: McpAuthResult | undefined, context: ExecutionContext): McpAuthResult {
    const accepted = super.handleRequest(error, result, context);
    return Object.freeze({ ...accepted, principal: Object.freeze({ ...accepted.principal, via: 'app guard' }) });
  }
}

@Injectable()
class WhoTools {
  @McpTool({ description: 'Who is calling.' })
  who(@McpPrincipal() who: McpAuthResult) {
    return { sub: who.principal.sub, via: (who.principal.via as string | undefined) ?? null };
  }
}

const TOKENS = McpStaticTokens({ tokens: { 'reader-token': { principal: { sub: 'reader' }, scopes: ['notes:read'] } } });

for (const adapter of ADAPTERS) {
  describe(`the MCP route's guard over ${adapter}`, () => {
    let fixture: Fixture;

    before(async () => {
      fixture = await startFixture({
        adapter,
        mcp: { allowAnonymous: false, resource: 'https://notes.test/mcp', authenticate: [TOKENS] },
        components: [WhoTools],
        providers: [{ provide: APP_GUARD, useClass: StampingAuthGuard }],
      });
    });
    after(async () => {
      await fixture?.close();
    });

    it('keeps the result an app-wide McpAuthGuard stored', async () => {
      const client = await connectClient(fixture.url, { authorization: 'Bearer reader-token' });
      try {
        const result = await client.callTool({ name: 'who', arguments: {} });
        assert.deepEqual(result.structuredContent, { sub: 'reader', via: 'app guard' });
      } finally {
        await client.close();
      }
    });

    it('still refuses what the app-wide guard refuses, with the same challenge', async () => {
      const response = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: 'Bearer wrong-token' });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
    });
  });
}
