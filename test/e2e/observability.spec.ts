import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Injectable, type LoggerService } from '@nestjs/common';
import { McpStaticTokens, McpTool, RequireScopes, type McpAuthModuleOptions, type McpAuthorizationDecision } from 'nestjs-mcp-auth';
import { ADAPTERS, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';

/**
 * What the module writes to the app's logger: nothing per request by default (the authorization audit only when asked
 * for), and one line per server at startup.
 */

const TOKEN = `observer-${crypto.randomUUID()}`;
const RESOURCE = 'http://127.0.0.1/mcp';

@Injectable()
class AuditedTools {
  @McpTool({ name: 'open', description: 'Needs notes:read, which the caller has', auth: RequireScopes('notes:read') })
  open() {
    return 'open';
  }

  @McpTool({ name: 'secret', description: 'Needs notes:admin; hidden from the caller', auth: RequireScopes('notes:admin') })
  secret() {
    return 'secret';
  }

  @McpTool({ name: 'export', description: 'Needs notes:export; answers with step-up', auth: RequireScopes('notes:export'), onDenied: 'challenge' })
  exportNotes() {
    return 'export';
  }
}

/** Every line the app logs, with its level and context. */
class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; context?: string; message: string }> = [];
  private push(level: string, message: unknown, params: unknown[]) {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    this.lines.push({ level, context, message: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  log = (message: unknown, ...params: unknown[]) => this.push('log', message, params);
  error = (message: unknown, ...params: unknown[]) => this.push('error', message, params);
  warn = (message: unknown, ...params: unknown[]) => this.push('warn', message, params);
  debug = (message: unknown, ...params: unknown[]) => this.push('debug', message, params);
  verbose = (message: unknown, ...params: unknown[]) => this.push('verbose', message, params);
  fatal = (message: unknown, ...params: unknown[]) => this.push('fatal', message, params);
  fromModule() {
    return this.lines.filter((line) => line.context === 'McpAuthModule');
  }
}

const authenticate = (allowInProduction = false) => [
  McpStaticTokens({ tokens: { [TOKEN]: { principal: { sub: 'observer' }, clientId: 'observer-app', scopes: ['notes:read'] } }, allowInProduction }),
];

async function start(adapter: (typeof ADAPTERS)[number], mcp: Partial<McpAuthModuleOptions>, globalPrefix?: string) {
  const logger = new CapturingLogger();
  const app = await startFixture({
    adapter,
    logger,
    globalPrefix,
    components: [AuditedTools],
    mcp: { allowAnonymous: false, resource: RESOURCE, authenticate: authenticate(), ...mcp },
  });
  return { app, logger };
}

const rpc = (app: Fixture, method: string, params: object = {}) =>
  post(app.url, { jsonrpc: '2.0', id: 1, method, params }, { accept: 'application/json', authorization: `Bearer ${TOKEN}` });

/** A list, then a call of the allowed, the hidden and the step-up tool. */
async function exercise(app: Fixture): Promise<void> {
  const listed = (await (await rpc(app, 'tools/list')).json()) as { result: { tools: Array<{ name: string }> } };
  assert.deepEqual(listed.result.tools.map((tool) => tool.name).sort(), ['export', 'open']);
  assert.equal((await rpc(app, 'tools/call', { name: 'open', arguments: {} })).status, 200);
  const hidden = (await (await rpc(app, 'tools/call', { name: 'secret', arguments: {} })).json()) as { error: { message: string } };
  assert.equal(hidden.error.message, 'Unknown tool: secret');
  assert.equal((await rpc(app, 'tools/call', { name: 'export', arguments: {} })).status, 403);
}

for (const adapter of ADAPTERS) {
  describe(`authorization audit (${adapter})`, () => {
    it('is silent by default: lists and calls write no decision line at any level', async () => {
      const { app, logger } = await start(adapter, {});
      try {
        const before = logger.lines.length;
        await exercise(app);
        assert.deepEqual(logger.lines.slice(before), [], 'nothing is logged per request');
        assert.ok(!logger.lines.some((line) => line.message.includes('mcp.auth.decision')));
      } finally {
        await app.close();
      }
    });

    it('onAuthDecision and logging.authDecisions get what each caller got: listed, hidden, step-up; never a token', async () => {
      const records: McpAuthorizationDecision[] = [];
      const { app, logger } = await start(adapter, { onAuthDecision: (record) => records.push(record), logging: { authDecisions: true } });
      try {
        const before = logger.lines.length;
        await exercise(app);
        const who = { sub: 'observer', clientId: 'observer-app' };
        const tool = (name: string) => ({ kind: 'tool', name });
        const list = records.filter((r) => r.phase === 'list').sort((a, b) => a.component.name.localeCompare(b.component.name));
        assert.deepEqual(list, [
          { ...who, component: tool('export'), phase: 'list', outcome: 'listed', allowed: true, check: 'RequireScopes(notes:export)', stepUp: { scopes: ['notes:export'] } },
          { ...who, component: tool('open'), phase: 'list', outcome: 'listed', allowed: true },
          { ...who, component: tool('secret'), phase: 'list', outcome: 'hidden', allowed: false, check: 'RequireScopes(notes:admin)' },
        ]);
        assert.deepEqual(
          records.filter((r) => r.phase === 'call'),
          [
            { ...who, component: tool('open'), phase: 'call', outcome: 'allowed', allowed: true },
            { ...who, component: tool('secret'), phase: 'call', outcome: 'hidden', allowed: false, check: 'RequireScopes(notes:admin)' },
            { ...who, component: tool('export'), phase: 'call', outcome: 'step-up', allowed: false, check: 'RequireScopes(notes:export)', stepUp: { scopes: ['notes:export'] } },
          ],
        );
        // The same records, one JSON line each, at log level (shown with Nest's default levels).
        const lines = logger.lines.slice(before);
        assert.deepEqual(
          lines.map((line) => [line.level, line.context, JSON.parse(line.message)]),
          records.map((record) => ['log', 'McpAuthModule', { event: 'mcp.auth.decision', ...record }]),
        );
        assert.ok(!JSON.stringify(records).includes(TOKEN));
        assert.ok(!lines.some((line) => line.message.includes(TOKEN)));
      } finally {
        await app.close();
      }
    });
  });

  describe(`startup line (${adapter})`, () => {
    let app: Fixture;
    let logger: CapturingLogger;
    before(async () => ({ app, logger } = await start(adapter, {}, 'api')));
    after(() => app.close());

    it('one line once listening: URL under the global prefix, transport, mode, counts, authenticators, metadata URL', () => {
      const port = new URL(app.base).port;
      const servers = logger.fromModule().filter((line) => line.message.startsWith('MCP server'));
      assert.deepEqual(servers, [
        {
          level: 'log',
          context: 'McpAuthModule',
          message:
            `MCP server notes-test 1.0.0 at http://127.0.0.1:${port}/api/mcp (Streamable HTTP, stateless): ` +
            '3 tools, 0 resources, 0 resource templates, 0 prompts; authentication: static development tokens; ' +
            'resource metadata: http://127.0.0.1/.well-known/oauth-protected-resource/mcp',
        },
      ]);
    });

    it('with a static development token, a curl command that works as printed', async (t) => {
      const hint = logger.fromModule().filter((line) => line.message.startsWith('Try it'));
      assert.equal(hint.length, 1);
      const command = hint[0].message.replace('Try it with the development token: ', '');
      assert.ok(command.startsWith(`curl -s ${app.url.href} `), command);
      assert.ok(command.includes(`-H 'authorization: Bearer ${TOKEN}'`));
      const curl = await promisify(execFile)('curl', ['--version']).catch(() => undefined);
      if (!curl) return t.skip('curl is not installed here');
      const { stdout } = await promisify(execFile)('sh', ['-c', command]);
      assert.deepEqual((JSON.parse(stdout) as { result: { tools: Array<{ name: string }> } }).result.tools.map((tool) => tool.name).sort(), ['export', 'open']);
    });
  });
}

describe('startup line: when it stays quiet', () => {
  it('logging.startup: false writes nothing', async () => {
    const { app, logger } = await start('express', { logging: { startup: false } });
    await app.close();
    assert.deepEqual(logger.fromModule(), []);
  });

  it('static tokens allowed in production are real credentials: never printed', async () => {
    const { app, logger } = await start('express', { authenticate: authenticate(true) });
    await app.close();
    assert.equal(logger.fromModule().filter((line) => line.message.startsWith('MCP server')).length, 1);
    assert.ok(!logger.lines.some((line) => line.message.includes(TOKEN)));
  });
});
