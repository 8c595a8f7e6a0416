import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { Catch, Injectable, type ArgumentsHost, type LoggerService } from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter } from '@nestjs/core';
import { McpPrompt, McpResource } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Keeps what the app logs as errors. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log() {}
  warn() {}
  debug() {}
  verbose() {}
  error(message: unknown) {
    this.errors.push(String(message));
  }
}

@Injectable()
class FailingComponents {
  @McpResource({ uri: 'broken://config', description: 'Always fails' })
  config(): never {
    throw new TypeError('cannot read /etc/app/secrets.json');
  }

  @McpPrompt({ description: 'Always fails' })
  brokenPrompt(): never {
    throw new Error('prompt store offline at 10.0.0.7');
  }
}

/** The catch-all filter many Nest apps register (error reporting, say): it writes the HTTP reply itself. */
@Catch()
class ReportingFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost) {
    super.catch(exception, host);
  }
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  assert.equal(content.length, 1);
  return content[0].text!;
}

for (const adapter of ADAPTERS) {
  describe(`error masking over ${adapter}`, () => {
    const logger = new CapturingLogger();
    let fixture: Fixture;
    let client: Client;
    before(async () => {
      fixture = await startFixture({ adapter, logger, providers: [FailingComponents] });
      client = await connectClient(fixture.url);
    });
    after(async () => {
      await client?.close();
      await fixture?.close();
    });

    it('the client gets a reference and the server log has the detail under the same reference', async () => {
      const text = textOf(await client.callTool({ name: 'explode', arguments: {} }));
      const reference = new RegExp(`^Internal error \\(reference: (${UUID})\\)$`).exec(text)?.[1];
      assert.ok(reference, text);
      const logged = logger.errors.filter((line) => line.includes(reference));
      assert.equal(logged.length, 1);
      assert.ok(logged[0].includes('NotesTools#explode'), logged[0]);
      assert.ok(logged[0].includes('database password is hunter2 at /srv/secret.ts'), logged[0]);
    });

    it('every masked error gets a fresh reference', async () => {
      const first = textOf(await client.callTool({ name: 'explode', arguments: {} }));
      const second = textOf(await client.callTool({ name: 'explode', arguments: {} }));
      assert.notEqual(first, second);
    });

    it('an unexpected resource or prompt error is a masked JSON-RPC error -32603', async () => {
      for (const call of [() => client.readResource({ uri: 'broken://config' }), () => client.getPrompt({ name: 'brokenPrompt' })]) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof McpError);
          assert.equal(error.code, -32603);
          assert.match(error.message, new RegExp(`^MCP error -32603: Internal error \\(reference: ${UUID}\\)$`));
          return true;
        });
      }
      assert.ok(logger.errors.some((line) => line.includes('cannot read /etc/app/secrets.json')));
      assert.ok(logger.errors.some((line) => line.includes('prompt store offline at 10.0.0.7')));
    });
  });

  describe(`maskErrorDetails: false over ${adapter}`, () => {
    let fixture: Fixture;
    let client: Client;
    before(async () => {
      fixture = await startFixture({ adapter, mcp: { maskErrorDetails: false } });
      client = await connectClient(fixture.url);
    });
    after(async () => {
      await client?.close();
      await fixture?.close();
    });

    it('the client gets the error message with its reference', async () => {
      const result = await client.callTool({ name: 'explode', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), new RegExp(`^database password is hunter2 at /srv/secret\\.ts \\(reference: ${UUID}\\)$`));
    });
  });
}

for (const adapter of ADAPTERS) {
  describe(`a catch-all APP_FILTER over ${adapter}`, () => {
    let fixture: Fixture;
    before(async () => (fixture = await startFixture({ adapter, providers: [{ provide: APP_FILTER, useClass: ReportingFilter }] })));
    after(() => fixture?.close());

    it(
      'does not take over the MCP reply: McpToolError is still a tool error in a JSON-RPC response',

      async () => {
        const response = await post(fixture.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refuse', arguments: {} } });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), {
          jsonrpc: '2.0',
          id: 1,
          result: { content: [{ type: 'text', text: 'Note is archived' }], isError: true },
        });
      },
    );
  });
}
