import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, UseGuards, type CanActivate, type ExecutionContext, type LoggerService } from '@nestjs/common';
import { IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { McpArgs, McpExecutionContext, McpListSafe, McpResourceTemplate, McpStaticTokens, McpTool, RequireRoles } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, startFixture, type Fixture, type FixtureOptions } from '../fixtures/app.fixture.js';

/**
 * Regressions of the request path: each test here failed before the decision site and the invocation plans were
 * rebuilt (the pure-decision cache keyed roles joined with a space; the list phase ran every guard with a stand-in
 * handler; a call ran the guard chain twice).
 */

const RESOURCE = 'https://request-path.test/mcp';

/** Records what guards see of the handler, in which phase, and how often each runs. */
const seen = { listSafe: [] as string[], counted: 0 };

@McpListSafe()
@Injectable()
class HandlerProbeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const mcp = McpExecutionContext.create(context);
    const real = context.getClass() === PathTools && context.getHandler() === (PathTools.prototype as unknown as Record<string, unknown>)[mcp.getComponent().name];
    seen.listSafe.push(`${mcp.getPhase()}:${mcp.getComponent().name}:${real}`);
    return true;
  }
}

/** Counts every activation: it must run once per call and never while listing. */
@Injectable()
class CountingGuard implements CanActivate {
  canActivate(): boolean {
    seen.counted++;
    return true;
  }
}

@Injectable()
class PathTools {
  @McpTool({ description: 'Admins only', auth: RequireRoles('admin') })
  adminOnly() {
    return 'admin';
  }

  @McpTool({ description: 'Counted' })
  @UseGuards(HandlerProbeGuard, CountingGuard)
  counted() {
    return 'counted';
  }

  @McpTool({ description: 'Open' })
  open() {
    return 'open';
  }
}

class Inner {
  @IsString() name!: string;
}

class Outer {
  @ValidateNested() @Type(() => Inner) child!: Inner;
}

@Injectable()
class CacheTools {
  @McpTool({ description: 'Takes a nested DTO' })
  nested(@McpArgs() args: Outer) {
    return args.child.name;
  }

  @McpTool({ description: 'Admins only', auth: RequireRoles('admin') })
  adminOnly() {
    return 'admin';
  }
}

/** An admin-only template declared before an open one that also matches: the hidden one must not shadow it. */
@Injectable()
class ShadowResources {
  @McpResourceTemplate({ uriTemplate: 'shadow://{name}', description: 'Admins: one name', auth: RequireRoles('admin') })
  byName(@McpArgs('name') name: string) {
    return `admin:${name}`;
  }

  @McpResourceTemplate({ uriTemplate: 'shadow://{+rest}', description: 'Anyone: any path' })
  byPath(@McpArgs('rest') rest: string) {
    return `open:${rest}`;
  }
}

const TOKENS = {
  'tok-reader': { principal: { sub: 'reader' } },
  'tok-pair': { principal: { sub: 'pair' }, roles: ['admin', 'user'] },
  'tok-joined': { principal: { sub: 'joined' }, roles: ['admin user'] },
  'tok-nul': { principal: { sub: 'nul' }, roles: ['admin\u0000user'] },
  'tok-admin': { principal: { sub: 'admin' }, roles: ['admin'] },
};

async function unknownTool(promise: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof McpError, String(error));
    assert.equal(error.code, -32602);
    assert.equal(error.message, `MCP error -32602: Unknown tool: ${name}`);
    return true;
  });
}

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0].text;
const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

/** Boots one fixture per describe (static tokens, no anonymous callers) and connects clients that it closes after. */
function withApp(options: () => Omit<FixtureOptions, 'mcp'>) {
  let fixture: Fixture;
  const clients: Client[] = [];
  before(async () => {
    fixture = await startFixture({
      ...options(),
      mcp: { allowAnonymous: false, resource: RESOURCE, authenticate: [McpStaticTokens({ tokens: TOKENS })] },
    });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await fixture?.close();
  });
  return async (token: string) => {
    const client = await connectClient(fixture.url, { authorization: `Bearer ${token}` });
    clients.push(client);
    return client;
  };
}

for (const adapter of ADAPTERS) {
  describe(`pure-decision cache over ${adapter}`, () => {
    const errors: string[] = [];
    const logger: LoggerService = { log() {}, warn() {}, debug() {}, verbose() {}, error: (message: unknown) => void errors.push(String(message)) };
    // No guard of the app's anywhere: every decision here is pure and cached per caller.
    const connect = withApp(() => ({ adapter, logger, components: [CacheTools, ShadowResources] }));

    it('a role holding a space or NUL never gets the cached decision of a principal holding the separate roles', async () => {
      const pair = await connect('tok-pair');
      assert.equal(textOf(await pair.callTool({ name: 'adminOnly', arguments: {} })), 'admin');
      for (const token of ['tok-joined', 'tok-nul']) {
        const other = await connect(token);
        assert.ok(!(await names(other)).includes('adminOnly'), `${token} lists adminOnly`);
        await unknownTool(other.callTool({ name: 'adminOnly', arguments: {} }), 'adminOnly');
      }
      // And the other way round: a denial cached for the joined role does not deny the real admin.
      assert.ok((await names(await connect('tok-admin'))).includes('adminOnly'));
    });
    it('a template the caller may not read never shadows one it may: the reader gets the open template, the admin the more specific one', async () => {
      const read = async (token: string, uri: string) =>
        ((await (await connect(token)).readResource({ uri })).contents[0] as { text: string }).text;
      assert.equal(await read('tok-reader', 'shadow://x'), 'open:x');
      assert.equal(await read('tok-admin', 'shadow://x'), 'admin:x');
      // A URI only the open template matches is served to both.
      assert.equal(await read('tok-admin', 'shadow://a/b'), 'open:a/b');
    });

    it('hostile argument objects get the invalid-arguments answer, never an internal error or an error log', async () => {
      const client = await connect('tok-reader');
      errors.length = 0;
      for (const args of [{ child: { name: 'n', extra: { constructor: {} } } }, { child: { constructor: 1 } }]) {
        const result = await client.callTool({ name: 'nested', arguments: args });
        assert.equal(result.isError, true);
        assert.match(textOf(result), /^Invalid arguments: /);
      }
      assert.equal(textOf(await client.callTool({ name: 'nested', arguments: { child: { name: 'ok' } } })), 'ok');
      assert.deepEqual(errors, []);
    });

    it('a resource URI longer than 16 KiB is refused before any template is tried, without echoing it', async () => {
      const client = await connect('tok-reader');
      await assert.rejects(client.readResource({ uri: `shadow://${'a'.repeat(20_000)}` }), (error: unknown) => {
        assert.ok(error instanceof McpError);
        assert.equal(error.code, -32602);
        assert.ok(error.message.length < 200, error.message.slice(0, 200));
        return true;
      });
      assert.equal(((await client.readResource({ uri: `shadow://${'a'.repeat(16_000)}` })).contents[0] as { text: string }).text.length, 16_005);
    });
  });

  describe(`guards on the request path over ${adapter}`, () => {
    const connect = withApp(() => ({
      adapter,
      components: [PathTools, HandlerProbeGuard, CountingGuard],
      imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 2, skipIf: (context) => context.getType<string>() !== 'mcp' }])],
      providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
    }));

    it('a stock ThrottlerGuard (APP_GUARD) never sees a list: listing spends no call budget, calls are keyed by the real method', async () => {
      const client = await connect('tok-admin');
      for (let i = 0; i < 4; i++) assert.deepEqual(await names(client), ['adminOnly', 'counted', 'open']);
      // limit 2 per handler: two calls of each tool pass, whatever was listed before, and one tool's budget is its own.
      for (let i = 0; i < 2; i++) assert.equal(textOf(await client.callTool({ name: 'open', arguments: {} })), 'open');
      assert.equal(textOf(await client.callTool({ name: 'adminOnly', arguments: {} })), 'admin');
      const over = await client.callTool({ name: 'open', arguments: {} });
      assert.equal(over.isError, true);
      assert.match(textOf(over), /Too Many Requests/i);
    });

    it('an unmarked guard runs exactly once per call and never while listing; a list-safe one sees the real class and method', async () => {
      const client = await connect('tok-pair');
      seen.listSafe.length = 0;
      seen.counted = 0;
      await names(client);
      await names(client);
      assert.equal(seen.counted, 0);
      assert.deepEqual(seen.listSafe, ['list:counted:true', 'list:counted:true']);
      seen.listSafe.length = 0;
      assert.equal(textOf(await client.callTool({ name: 'counted', arguments: {} })), 'counted');
      assert.equal(seen.counted, 1);
      // Admission asks the list predicate (the list-safe guard, phase "list"), then the call runs the chain once.
      assert.deepEqual(seen.listSafe, ['list:counted:true', 'call:counted:true']);
    });
  });
}
