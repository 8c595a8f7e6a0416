import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP_GUARD } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { McpAuthModule, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { createMcpTestRunner, McpTestRpcError, type McpTestRunner } from 'nestjs-mcp-auth/testing';
import { Handled, NoMalloryGuard, TestingTools } from '../fixtures/testing.components.js';

const RESOURCE = 'https://notes.test.example/mcp';
const PRM_URL = 'https://notes.test.example/.well-known/oauth-protected-resource/mcp';

async function runnerFor(options: Partial<McpAuthModuleOptions> = {}): Promise<{ moduleRef: TestingModule; mcp: McpTestRunner }> {
  const moduleRef = await Test.createTestingModule({
    imports: [McpAuthModule.forRoot({ name: 'runner-test', version: '1.0.0', resource: RESOURCE, allowAnonymous: true, ...options })],
    providers: [TestingTools, { provide: APP_GUARD, useClass: NoMalloryGuard }],
  })
    .setLogger(false as never)
    .compile();
  return { moduleRef, mcp: await createMcpTestRunner(moduleRef) };
}

/** The error a call rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<McpTestRpcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof McpTestRpcError, `not an McpTestRpcError: ${error}`);
    return error;
  }
  assert.fail('the call succeeded');
}

const names = (list: { tools: Array<{ name: string }> }) => list.tools.map((t) => t.name).sort();

describe('McpTestRunner', () => {
  let moduleRef: TestingModule;
  let mcp: McpTestRunner;

  before(async () => ({ moduleRef, mcp } = await runnerFor()));
  after(() => moduleRef.close());

  it('runs a tool for a caller holding its scope, with the principal McpJwt would make of the same claims', async () => {
    const result = await mcp.as({ sub: 'alice', scopes: ['notes:read'], roles: ['viewer'], clientId: 'agent-1' }).callTool('read-notes');
    assert.equal(result.isError, undefined);
    assert.deepEqual(result.structuredContent, { sub: 'alice', clientId: 'agent-1', scopes: ['notes:read'], roles: ['viewer'], source: 'jwt' });
  });

  it('hides a component from a caller without the scope: listed nowhere, and called it answers like a missing one', async () => {
    const bob = mcp.as({ sub: 'bob', scopes: ['other'] });
    // export-notes answers with a step-up challenge, so it stays listed: a client must learn which scopes to ask for.
    assert.deepEqual(names(await bob.listTools()), ['export-notes', 'shout']);
    const before = Handled.count;
    const hidden = await rejection(bob.callTool('read-notes'));
    const missing = await rejection(bob.callTool('no-such-tool'));
    assert.equal(hidden.code, missing.code);
    assert.equal(hidden.message, missing.message.replace('no-such-tool', 'read-notes'));
    assert.equal(hidden.status, 200);
    assert.equal(Handled.count, before, 'the handler did not run');
  });

  it('lists what each caller may see (scopes and roles)', async () => {
    assert.deepEqual(names(await mcp.as({ sub: 'eve', scopes: ['notes:read'], roles: ['editor'] }).listTools()), ['edit-notes', 'export-notes', 'read-notes', 'shout']);
    assert.deepEqual(names(await mcp.as({ sub: 'eve', scopes: ['notes:read'] }).listTools()), ['export-notes', 'read-notes', 'shout']);
  });

  it('runs the app guard (APP_GUARD) for lists and calls', async () => {
    const mallory = mcp.as({ sub: 'mallory', scopes: ['notes:read', 'notes:export'] });
    assert.deepEqual(names(await mallory.listTools()), []);
    const error = await rejection(mallory.callTool('read-notes'));
    assert.equal(error.code, -32602);
  });

  it('runs method guards, parameter pipes and interceptors', async () => {
    const alice = mcp.as({ sub: 'alice' });
    assert.deepEqual((await alice.callTool('shout', { text: 'hello' })).content, [{ type: 'text', text: '[HELLO]' }]);
    const denied = await rejection(alice.callTool('shout', { text: 'far too long a text' }));
    assert.equal(denied.code, -32602);
  });

  it('reports a step-up as the 403 challenge a client would get (granted ∪ required scopes)', async () => {
    const before = Handled.count;
    const error = await rejection(mcp.as({ sub: 'alice', scopes: ['notes:read'] }).callTool('export-notes'));
    assert.equal(error.code, -32003);
    assert.equal(error.status, 403);
    assert.deepEqual(error.requiredScopes, ['notes:export']);
    assert.equal(
      error.challenge,
      `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", resource_metadata="${PRM_URL}", scope="notes:read notes:export"`,
    );
    assert.equal(Handled.count, before);
    assert.equal((await mcp.as({ sub: 'alice', scopes: ['notes:export'] }).callTool('export-notes')).isError, undefined);
  });

  it('hides instead of challenging as over stdio (no HTTP to carry a challenge)', async () => {
    const caller = mcp.as({ sub: 'alice' }, { transport: 'stdio' });
    assert.deepEqual(names(await caller.listTools()), ['shout']);
    const error = await rejection(caller.callTool('export-notes'));
    assert.equal(error.code, -32602);
    assert.equal(error.challenge, undefined);
  });

  it('validates arguments before the handler runs', async () => {
    const error = await rejection(mcp.as({ sub: 'alice', scopes: ['notes:read'] }).getPrompt('summarize', {}));
    assert.equal(error.code, -32602);
    assert.match(error.message, /id/);
  });

  it('reads resources and gets prompts through the same checks', async () => {
    const reader = mcp.as({ sub: 'alice', scopes: ['notes:read'] });
    const resource = await reader.readResource('notes://index');
    assert.deepEqual(JSON.parse((resource.contents[0] as { text: string }).text), { notes: ['first'] });
    const prompt = await reader.getPrompt('summarize', { id: '7' });
    assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Summarize note 7.' });
    const stranger = mcp.as({ sub: 'bob' });
    assert.equal((await rejection(stranger.readResource('notes://index'))).code, -32002);
    assert.deepEqual((await stranger.listResources()).resources, []);
    assert.equal((await rejection(stranger.getPrompt('summarize', { id: '7' }))).code, -32602);
  });

  it('returns a copy of each result: changing one does not change the next', async () => {
    const caller = mcp.as({ sub: 'alice', scopes: ['notes:read'] });
    const first = await caller.listTools();
    first.tools.length = 0;
    assert.deepEqual(names(await caller.listTools()), ['export-notes', 'read-notes', 'shout']);
  });

  it('takes a full principal too, and the anonymous caller when the module allows it', async () => {
    const full = await mcp.as({ principal: { sub: 'svc' }, scopes: ['notes:read'] }, { source: 'custom' }).callTool('read-notes');
    assert.equal((full.structuredContent as { source: string }).source, 'custom');
    assert.deepEqual(names(await mcp.anonymous().listTools()), ['export-notes', 'shout']);
  });

  it('refuses a principal without a subject', () => {
    assert.throws(() => mcp.as({ sub: '' }), TypeError);
    assert.throws(() => mcp.as({ sub: 'x', scopes: ['two words'] }), /scope-token/);
  });
});

describe('McpTestRunner with server-wide requirements', () => {
  let moduleRef: TestingModule;
  let mcp: McpTestRunner;

  before(async () => ({ moduleRef, mcp } = await runnerFor({ allowAnonymous: false, requiredScopes: ['mcp'], authenticate: [() => null] })));
  after(() => moduleRef.close());

  it('answers a caller without the server-wide scope with the 403 authentication gives, before any component', async () => {
    const error = await rejection(mcp.as({ sub: 'alice', scopes: ['notes:read'] }).listTools());
    assert.equal(error.status, 403);
    assert.equal(error.code, -32000);
    assert.match(error.challenge ?? '', /^Bearer error="insufficient_scope".*scope="notes:read mcp"$/);
    assert.deepEqual(names(await mcp.as({ sub: 'alice', scopes: ['mcp', 'notes:read'] }).listTools()), ['export-notes', 'read-notes', 'shout']);
  });

  it('answers a caller without credentials with 401 when anonymous callers are not allowed', async () => {
    const response = await mcp.anonymous().request('tools/list');
    assert.equal(response.status, 401);
    assert.equal(response.challenge, `Bearer resource_metadata="${PRM_URL}", scope="mcp"`);
    assert.equal(response.body.error?.code, -32000);
  });
});

describe('createMcpTestRunner', () => {
  it('says what to import when McpAuthModule is missing', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [] }).compile();
    await assert.rejects(createMcpTestRunner(moduleRef), /Import McpAuthModule\.forRoot/);
    await moduleRef.close();
  });
});
