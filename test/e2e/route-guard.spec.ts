import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ForbiddenException, Injectable, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { McpAuthenticationGuard, McpPrincipal, McpStaticTokens, McpTool } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';

/**
 * The MCP route's own guard authenticates as `McpAuthenticationGuard` does. A result an app-wide `McpAuthenticationGuard` (or a subclass)
 * already stored on the request is the one the route keeps: the request is not authenticated a second time.
 */

@Injectable()
class StampingAuthGuard extends McpAuthenticationGuard {
  protected override handleRequest(error: unknown, result: McpPrincipal | undefined, context: ExecutionContext): McpPrincipal {
    const accepted = super.handleRequest(error, result, context);
    return Object.freeze({ ...accepted, principal: Object.freeze({ ...accepted.principal, via: 'app guard' }) });
  }
}

@Injectable()
class WhoTools {
  @McpTool({ description: 'Who is calling.' })
  who(@McpPrincipal() who: McpPrincipal) {
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

    it('keeps the result an app-wide McpAuthenticationGuard stored', async () => {
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

/** A subclass of the kind the README shows: vetoes one subject and names its own challenge. */
@Injectable()
class VetoAuthGuard extends McpAuthenticationGuard {
  static handled = 0;
  protected override handleRequest(error: unknown, result: McpPrincipal | undefined, context: ExecutionContext): McpPrincipal {
    VetoAuthGuard.handled++;
    const accepted = super.handleRequest(error, result, context);
    if (accepted.principal.sub === 'banned') throw new ForbiddenException('banned here');
    return accepted;
  }
}

const VETO_TOKENS = McpStaticTokens({
  tokens: { 'reader-token': { principal: { sub: 'reader' } }, 'banned-token': { principal: { sub: 'banned' } } },
});

for (const adapter of ADAPTERS) {
  describe(`authenticationGuard: the app's McpAuthenticationGuard subclass on the MCP route over ${adapter}`, () => {
    let fixture: Fixture;

    before(async () => {
      fixture = await startFixture({
        adapter,
        mcp: { allowAnonymous: false, resource: 'https://notes.test/mcp', authenticate: [VETO_TOKENS], authenticationGuard: VetoAuthGuard },
        components: [WhoTools],
      });
    });
    after(async () => {
      await fixture?.close();
    });

    it("runs the subclass's handleRequest for every MCP request: its veto holds", async () => {
      VetoAuthGuard.handled = 0;
      const refused = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: 'Bearer banned-token' });
      assert.equal(refused.status, 403);
      assert.equal(VetoAuthGuard.handled, 1);
      const allowed = await post(fixture.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { authorization: 'Bearer reader-token' });
      assert.equal(allowed.status, 200);
      assert.equal(VetoAuthGuard.handled, 2);
    });

    it('keeps the Origin check in front of the subclass', async () => {
      const response = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: 'Bearer reader-token', origin: 'https://evil.example' });
      assert.equal(response.status, 403);
    });
  });
}
