import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { APP_GUARD } from '@nestjs/core';
import { SignJWT } from 'jose';
import { McpPassport } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { AppWideGuard, JWT_SECRET, JwtStrategy, PipelineTools } from '../fixtures/pipeline.components.js';

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  assert.equal(content.length, 1);
  assert.equal(content[0].type, 'text');
  return content[0].text!;
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}

async function rejectsWith(promise: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof McpError, `expected McpError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.message, `MCP error ${code}: ${message}`);
    return true;
  });
}

function signToken(sub: string): Promise<string> {
  return new SignJWT({ name: 'Ada' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

for (const adapter of ADAPTERS) {
  describe(`Nest pipeline on MCP components over ${adapter}`, () => {
    let fixture: Fixture;
    let client: Client;
    const clients: Client[] = [];
    const connect = async (headers: Record<string, string>) => {
      const c = await connectClient(fixture.url, headers);
      clients.push(c);
      return c;
    };

    before(async () => {
      fixture = await startFixture({
        adapter,
        // The route authenticates every request: a bearer token must be one the module accepts too.
        mcp: { authenticate: [McpPassport('jwt')], resource: 'https://notes.test/mcp' },
        providers: [PipelineTools, JwtStrategy, { provide: APP_GUARD, useClass: AppWideGuard }],
      });
      client = await connect({});
    });
    after(async () => {
      for (const c of clients) await c.close();
      await fixture?.close();
    });

    // A call a guard denies answers exactly like a call to a tool that does not exist (no existence oracle).
    it('@UseGuards: a guard that denies a call makes it answer like an unknown tool', async () => {
      await rejectsWith(client.callTool({ name: 'create', arguments: { title: 'forbidden' } }), -32602, 'Unknown tool: create');
      const allowed = await client.callTool({ name: 'create', arguments: { title: 'allowed' } });
      assert.equal(allowed.isError, undefined);
      assert.equal((allowed.structuredContent as { title: string }).title, 'allowed');
    });

    it('a guard reads a header of the real HTTP request through switchToHttp(), for lists and calls', async () => {
      const denying = await connect({ 'x-deny': 'yes' });
      assert.ok(!(await toolNames(denying)).includes('create'));
      await rejectsWith(denying.callTool({ name: 'create', arguments: { title: 'fine' } }), -32602, 'Unknown tool: create');
      const other = await connect({ 'x-deny': 'no' });
      assert.ok((await toolNames(other)).includes('create'));
      const allowed = await other.callTool({ name: 'create', arguments: { title: 'fine' } });
      assert.equal(allowed.isError, undefined);
    });

    it('@UseInterceptors maps the result', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      assert.equal(textOf(result), '[tool] hi');
    });

    it('@UsePipes runs on @McpArgs parameters', async () => {
      const result = await client.callTool({ name: 'trim', arguments: { text: '  padded  ' } });
      assert.equal(textOf(result), '<padded>');
    });

    it('a pipe passed to @McpArgs runs on that parameter', async () => {
      assert.equal(textOf(await client.callTool({ name: 'shout', arguments: { text: 'quiet' } })), 'QUIET');
      assert.equal(textOf(await client.callTool({ name: 'increment', arguments: { n: '41' } })), '42');
      const bad = await client.callTool({ name: 'increment', arguments: { n: 'many' } });
      assert.equal(bad.isError, true);
      assert.equal(textOf(bad), 'Validation failed (numeric string is expected)');
      // A piped argument is converted by its pipe, but it must still be present.
      const missing = await client.callTool({ name: 'increment', arguments: {} });
      assert.equal(missing.isError, true);
      assert.equal(textOf(missing), 'Invalid arguments: n: n is required');
    });

    it('@UseFilters: an exception filter can turn an exception into a result', async () => {
      const caught = await client.callTool({ name: 'spend', arguments: { fail: true } });
      assert.equal(caught.isError, undefined);
      assert.equal(textOf(caught), 'recovered in mcp: quota exhausted');
      const uncaught = await client.callTool({ name: 'spend', arguments: { fail: false } });
      assert.equal(uncaught.isError, true);
      assert.equal(textOf(uncaught), 'not caught by the filter');
    });

    it('a createParamDecorator() decorator reads the HTTP request', async () => {
      const agent = await connect({ 'x-agent': 'tester/1.0' });
      assert.equal(textOf(await agent.callTool({ name: 'agent', arguments: {} })), 'agent=tester/1.0');
      assert.equal(textOf(await client.callTool({ name: 'agent', arguments: {} })), 'agent=null');
    });

    it('McpExecutionContext gives a guard the component, phase, arguments, principal and request', async () => {
      const result = await client.callTool({ name: 'inspect', arguments: { q: 'x', n: 2 } });
      assert.deepEqual(result.structuredContent, {
        type: 'mcp',
        kind: 'tool',
        name: 'inspect',
        tags: ['debug'],
        handler: 'PipelineTools#inspect',
        phase: 'call',
        args: { q: 'x', n: 2 },
        sub: 'anonymous',
        source: 'anonymous',
        transport: 'http',
        sameRequest: true,
        isMcp: true,
      });
    });

    it('an APP_GUARD runs for the HTTP route ("http") and for MCP calls ("mcp"), and can deny a tool', async () => {
      AppWideGuard.seen.length = 0;
      assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'ok' } })), '[tool] ok');
      assert.equal(AppWideGuard.seen[0], 'http');
      assert.ok(AppWideGuard.seen.includes('mcp'), AppWideGuard.seen.join());
      assert.ok(!(await toolNames(client)).includes('blocked'));
      await rejectsWith(client.callTool({ name: 'blocked', arguments: {} }), -32602, 'Unknown tool: blocked');
    });

    it('AuthGuard("jwt") from @nestjs/passport: a valid bearer token runs the tool with req.user', async () => {
      const authed = await connect({ authorization: `Bearer ${await signToken('user-42')}` });
      assert.ok((await toolNames(authed)).includes('profile'));
      const result = await authed.callTool({ name: 'profile', arguments: {} });
      assert.equal(result.isError, undefined);
      assert.deepEqual(result.structuredContent, { user: { id: 'user-42', name: 'Ada' }, principal: 'user-42', source: 'passport' });
    });

    it('AuthGuard("jwt"): without a token the tool is hidden and a call answers like an unknown tool', async () => {
      assert.ok(!(await toolNames(client)).includes('profile'));
      await rejectsWith(client.callTool({ name: 'profile', arguments: {} }), -32602, 'Unknown tool: profile');
    });

    it('a request-scoped provider gets a new instance per call, with the request injected', async () => {
      const first = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent as Record<string, unknown>;
      const second = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent as Record<string, unknown>;
      assert.equal(first.sub, 'anonymous');
      assert.equal(first.hasRequest, true);
      assert.equal(second.hasRequest, true);
      assert.equal(typeof first.instance, 'number');
      assert.notEqual(first.instance, second.instance);
    });
  });
}
