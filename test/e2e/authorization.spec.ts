import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ThrottlerModule } from '@nestjs/throttler';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpJwt, RestrictTag, type McpAuthorizationDecision } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { challengeParams, PRM_URL, RESOURCE } from '../fixtures/auth.fixture.js';
import { AuthzTools, FlakyGuard, OwnerGuard, Runs, TrustedCheck, TrustStore } from '../fixtures/authz.components.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [
  { id: 'agent-reader', secret: 'reader-secret-0123456789', scopes: ['notes:read'] },
  { id: 'agent-writer', secret: 'writer-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
  { id: 'agent-admin', secret: 'admin-secret-01234567890', scopes: ['notes:read', 'notes:write', 'notes:export', 'notes:admin'] },
];
// Roles come from the claims mapping: the writer is an editor.
const roles = (claims: Record<string, unknown>) => (claims.client_id === 'agent-writer' ? ['editor'] : []);

const ALWAYS = ['enable-admin', 'reset-view', 'throttled', 'whoami'];

/** Exactly what each principal may see, per family. */
const EXPECTED: Record<string, { tools: string[]; resources: string[]; templates: string[]; prompts: string[] }> = {
  'agent-reader': {
    // export-notes answers with a step-up challenge, so it stays listed for callers who lack only its scope
    tools: ['read-notes', 'export-notes', ...ALWAYS],
    resources: ['notes://public'],
    templates: ['notes://by-id/{id}'],
    prompts: ['hello'],
  },
  'agent-writer': {
    tools: ['read-notes', 'write-note', 'export-notes', 'delete-note', 'filtered-delete', 'async-check', 'trusted', ...ALWAYS],
    resources: ['notes://public'],
    templates: ['notes://by-id/{id}'],
    prompts: ['summarize', 'hello'],
  },
  'agent-admin': {
    tools: ['read-notes', 'export-notes', 'danger', 'async-check', ...ALWAYS],
    resources: ['notes://public', 'notes://secret'],
    templates: ['notes://by-id/{id}'],
    prompts: ['summarize', 'hello'],
  },
};

const sorted = (values: string[]) => [...values].sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();

for (const adapter of ADAPTERS) {
  describe(`authorization per component (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    const decisions: McpAuthorizationDecision[] = [];
    const tokens: Record<string, string> = {};

    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startFixture({
        adapter,
        components: [AuthzTools, TrustStore, TrustedCheck, OwnerGuard, FlakyGuard],
        imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }])],
        mcp: {
          allowAnonymous: false,
          resource: RESOURCE,
          authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer, claims: { roles } })],
          authorize: [RestrictTag('danger', ['notes:admin'])],
          onAuthDecision: (decision) => decisions.push(decision),
        },
      });
      for (const client of CLIENTS) tokens[client.id] = await idp.token(client.id);
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    const call = (who: string, name: string, args: Record<string, unknown> = {}) =>
      post(app.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } }, { authorization: `Bearer ${tokens[who]}` });

    for (const who of Object.keys(EXPECTED)) {
      it(`${who} sees exactly its tools, resources, templates and prompts`, async () => {
        const client = await connectClient(app.url, { authorization: `Bearer ${tokens[who]}` });
        try {
          const expected = EXPECTED[who];
          assert.deepEqual(sorted((await client.listTools()).tools.map((t) => t.name)), sorted(expected.tools));
          assert.deepEqual(sorted((await client.listResources()).resources.map((r) => r.uri)), sorted(expected.resources));
          assert.deepEqual(
            sorted((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)),
            sorted(expected.templates),
          );
          assert.deepEqual(sorted((await client.listPrompts()).prompts.map((p) => p.name)), sorted(expected.prompts));
        } finally {
          await client.close();
        }
      });
    }

    it('runs every visible tool and answers every hidden one exactly like a missing tool (byte for byte)', async () => {
      // export-notes opts into step-up (tested below); every other denial hides.
      const all = ['read-notes', 'write-note', 'purge', 'danger', 'async-check', 'trusted', 'broken'];
      for (const who of ['agent-reader', 'agent-writer']) {
        for (const name of all) {
          const before = Runs.count;
          const response = await call(who, name);
          const text = await response.text();
          if (EXPECTED[who].tools.includes(name)) {
            assert.equal(response.status, 200);
            assert.equal(JSON.parse(text).result.isError, undefined, `${who} runs ${name}`);
            assert.equal(Runs.count, before + 1);
            continue;
          }
          // What a tool that does not exist at all answers, with the same name.
          const ghost = await call(who, `${name}-ghost`);
          const ghostText = (await ghost.text()).replaceAll(`${name}-ghost`, name);
          assert.equal(response.status, ghost.status, `${who} ${name} status`);
          assert.equal(text, ghostText, `${who} ${name} body`);
          assert.equal(text, `{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Unknown tool: ${name}"}}`);
          assert.equal(Runs.count, before, `${name} did not run for ${who}`);
        }
      }
    });

    it('hides denied resources, templates and prompts behind the missing-component errors', async () => {
      const reader = { authorization: `Bearer ${tokens['agent-reader']}` };
      const read = (uri: string) => post(app.url, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }, reader);
      const secret = await json(await read('notes://secret'));
      const ghost = await json(await read('notes://ghost'));
      assert.deepEqual(secret.error, { code: -32002, message: 'Resource not found: notes://secret', data: { uri: 'notes://secret' } });
      assert.deepEqual(ghost.error, { code: -32002, message: 'Resource not found: notes://ghost', data: { uri: 'notes://ghost' } });
      assert.equal(ghost.error.code, secret.error.code);
      const prompt = await json(await post(app.url, { jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'summarize' } }, reader)
      );
      assert.deepEqual(prompt.error, { code: -32602, message: 'Unknown prompt: summarize' });
      const template = await json(await read('notes://by-id/3'));
      assert.equal(template.result.contents[0].text, 'note 3');
    });

    it('validates arguments only after authorization: a hidden tool with bad arguments is still "unknown"', async () => {
      const response = await json(await call('agent-reader', 'delete-note', { id: 'not-a-number' }));
      assert.deepEqual(response.error, { code: -32602, message: 'Unknown tool: delete-note' });
    });

    it('runs app guards in both phases: one guard hides and blocks', async () => {
      const allowed = await json(await call('agent-writer', 'delete-note', { id: 1 }));
      assert.equal(allowed.result.content[0].text, 'deleted 1');
      const blocked = await json(await call('agent-writer', 'delete-note', { id: 2 }));
      assert.deepEqual(blocked.error, { code: -32602, message: 'Unknown tool: delete-note' });
      const flaky = await json(await call('agent-writer', 'flaky'));
      assert.deepEqual(flaky.error, { code: -32602, message: 'Unknown tool: flaky' }, 'a guard that throws while listing hides');
    });

    it('a catch-all exception filter handles handler errors but never turns a denial into a result', async () => {
      const handlerError = await json(await call('agent-writer', 'filtered-delete', { id: 1 }));
      assert.equal(handlerError.result.content[0].text, 'filtered');
      const denied = await json(await call('agent-writer', 'filtered-delete', { id: 2 }));
      assert.deepEqual(denied.error, { code: -32602, message: 'Unknown tool: filtered-delete' });
    });

    it('@McpPrincipal("sub") injects the subject', async () => {
      const result = await json(await call('agent-reader', 'whoami'));
      assert.equal(result.result.content[0].text, 'agent-reader');
    });

    it('step-up: a scope-only denial on an opted-in tool answers 403 insufficient_scope with granted ∪ required', async () => {
      const response = await call('agent-writer', 'export-notes');
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get('www-authenticate'),
        `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", resource_metadata="${PRM_URL}", scope="notes:read notes:write notes:export"`,
      );
      const body = await json(response);
      assert.equal(body.id, 7);
      assert.equal(body.error.code, -32003);
      const params = challengeParams(response.headers.get('www-authenticate'));
      assert.equal(params.error, 'insufficient_scope');
    });

    it('McpAuthorizationError denies with its message; a crashing check is masked, logged and denies', async () => {
      const weekday = await json(await call('agent-admin', 'weekday'));
      assert.deepEqual(weekday.error, { code: -32003, message: 'Forbidden: only on weekdays' });
      const broken = await (await call('agent-admin', 'broken')).text();
      assert.ok(!broken.includes('hunter2'));
      assert.deepEqual(JSON.parse(broken).error, { code: -32602, message: 'Unknown tool: broken' });
    });

    it('emits an audit decision for every evaluation, without tokens', async () => {
      decisions.length = 0;
      await call('agent-reader', 'write-note');
      const denial = decisions.find((d) => d.component.name === 'write-note' && !d.allowed);
      assert.ok(denial, 'a denial was recorded');
      assert.equal(denial.sub, 'agent-reader');
      assert.equal(denial.clientId, 'agent-reader');
      assert.equal(denial.component.kind, 'tool');
      // the roles check decides (a non-scope failure is what hides the tool)
      assert.equal(denial.check, 'RequireRoles(editor)');
      const serialized = JSON.stringify(decisions);
      for (const token of Object.values(tokens)) assert.ok(!serialized.includes(token.slice(-20)));
    });

    it('advertises every scope any check names in scopes_supported', async () => {
      const metadata = await json(await fetch(`${app.base}/.well-known/oauth-protected-resource/mcp`));
      assert.deepEqual(metadata.scopes_supported, ['notes:admin', 'notes:export', 'notes:read', 'notes:write']);
    });

    it('rate limits per principal with McpThrottlerGuard: a tool error saying when to retry, nothing executed', async () => {
      const before = Runs.throttled;
      for (let i = 0; i < 2; i++) assert.equal((await json(await call('agent-reader', 'throttled'))).result.content[0].text, 'ok');
      const limited = (await json(await call('agent-reader', 'throttled'))).result;
      assert.equal(limited.isError, true);
      assert.match(limited.content[0].text, /^Too many requests: retry in \d+ s$/);
      assert.equal(Runs.throttled, before + 2);
      // another principal has its own budget
      assert.equal((await json(await call('agent-writer', 'throttled'))).result.content[0].text, 'ok');
    });
  });
}

describe('per-session visibility (stateful)', () => {
  let idp: TestIdp;
  let app: Fixture;

  before(async () => {
    idp = await startIdp(CLIENTS, RESOURCE);
    app = await startFixture({
      adapter: 'express',
      components: [AuthzTools, TrustStore, TrustedCheck, OwnerGuard, FlakyGuard],
      imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }])],
      mcp: {
        allowAnonymous: false,
        resource: RESOURCE,
        http: { mode: 'stateful' },
        authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })],
      },
    });
  });
  after(async () => {
    await app.close();
    await idp.close();
  });

  it('enabling admin tools in one session notifies only that session, once, and only it sees them', async () => {
    const token = await idp.token('agent-writer');
    const a = await connectClient(app.url, { authorization: `Bearer ${token}` });
    const b = await connectClient(app.url, { authorization: `Bearer ${token}` });
    const seen = { a: 0, b: 0 };
    a.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.a++);
    b.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.b++);
    try {
      assert.ok(!(await a.listTools()).tools.some((t) => t.name === 'purge'));
      await a.callTool({ name: 'enable-admin', arguments: {} });
      await waitFor(() => seen.a === 1);
      assert.ok((await a.listTools()).tools.some((t) => t.name === 'purge'));
      const purged = (await a.callTool({ name: 'purge', arguments: {} })) as { content: Array<{ text: string }> };
      assert.equal(purged.content[0].text, 'purged');
      assert.ok(!(await b.listTools()).tools.some((t) => t.name === 'purge'), 'the other session is untouched');
      await assert.rejects(b.callTool({ name: 'purge', arguments: {} }), /Unknown tool: purge/);
      await a.callTool({ name: 'enable-admin', arguments: {} }); // nothing changes: no notification
      await a.callTool({ name: 'reset-view', arguments: {} });
      await waitFor(() => seen.a === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(seen, { a: 2, b: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
