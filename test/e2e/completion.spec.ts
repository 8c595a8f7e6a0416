import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CompleteResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  McpArgs,
  McpAuthModule,
  McpComplete,
  McpPrompt,
  McpResourceTemplate,
  McpStaticTokens,
  RequireScopes,
  type McpCompletionContext,
} from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, post, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { connectModernClient, modernPost } from '../fixtures/modern.fixture.js';

class SummarizeArgs {
  @IsString() id!: string;
  @IsOptional() @IsIn(['brief', 'detailed', 'bullets']) style?: string;
}

class ReportArgs {
  @IsString() region!: string;
}

const Calls = { completer: 0, last: undefined as McpCompletionContext | undefined };

@Injectable()
class CompletionComponents {
  @McpPrompt({ description: 'Summarize a note' })
  summarize(@McpArgs() args: SummarizeArgs) {
    return `Summarize ${args.id}`;
  }

  @McpPrompt({ description: 'Regional report', auth: RequireScopes('reports:read') })
  report(@McpArgs() args: ReportArgs) {
    return `Report for ${args.region}`;
  }

  @McpResourceTemplate({ uriTemplate: 'notes://{folder}/{id}', description: 'A note in a folder' })
  note(@McpArgs('folder') folder: string, @McpArgs('id') id: string) {
    return `${folder}/${id}`;
  }

  @McpComplete({ prompt: 'summarize', argument: 'id' })
  noteIds(value: string, context: McpCompletionContext) {
    Calls.completer++;
    Calls.last = context;
    const ids = Array.from({ length: 150 }, (_, i) => `note-${i}`);
    return ids.filter((id) => id.startsWith(value));
  }

  @McpComplete({ prompt: 'report', argument: 'region' })
  regions(value: string) {
    Calls.completer++;
    return ['eu-west', 'eu-north', 'us-east'].filter((r) => r.startsWith(value));
  }

  @McpComplete({ resourceTemplate: 'notes://{folder}/{id}', argument: 'folder' })
  folders(value: string) {
    return { values: ['inbox', 'archive'].filter((f) => f.startsWith(value)), total: 2 };
  }
}

const TOKENS = {
  'reader-token-0123456789abcdef': { principal: { sub: 'reader' }, scopes: ['reports:read'] },
  'nobody-token-0123456789abcdef': { principal: { sub: 'nobody' }, scopes: [] },
};
const as = (token: keyof typeof TOKENS) => ({ authorization: `Bearer ${token}` });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();
const complete = (ref: Record<string, unknown>, name: string, value: string, context?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'completion/complete',
  params: { ref, argument: { name, value }, ...(context && { context }) },
});

for (const adapter of ADAPTERS) {
  describe(`completion/complete (${adapter})`, () => {
    let fixture: Fixture;
    before(async () => {
      fixture = await startFixture({
        adapter,
        components: [CompletionComponents],
        mcp: { allowAnonymous: false, resource: 'https://mcp.test.example/mcp', authenticate: [McpStaticTokens({ tokens: TOKENS })] },
      });
    });
    after(() => fixture.close());

    it('a 2025 client completes a prompt argument from its @McpComplete method, with the context and principal', async () => {
      const client = await connectClient(fixture.url, as('reader-token-0123456789abcdef'));
      try {
        assert.deepEqual(client.getServerCapabilities()?.completions, {});
        const result = await client.complete({ ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'id', value: 'note-1' }, context: { arguments: { style: 'brief' } } });
        assert.deepEqual(result.completion.values, Array.from({ length: 150 }, (_, n) => `note-${n}`).filter((id) => id.startsWith('note-1')));
        assert.deepEqual(Calls.last?.arguments, { style: 'brief' });
        assert.equal(Calls.last?.principal.principal.sub, 'reader');
        assert.equal(Calls.last?.argument, 'id');
      } finally {
        await client.close();
      }
    });

    it('caps values at 100, reporting total and hasMore', async () => {
      const response = await json(await post(fixture.url, complete({ type: 'ref/prompt', name: 'summarize' }, 'id', ''), as('reader-token-0123456789abcdef')));
      assert.equal(response.result.completion.values.length, 100);
      assert.equal(response.result.completion.total, 150);
      assert.equal(response.result.completion.hasMore, true);
    });

    it('an argument declared with an enum completes from its values without a completer', async () => {
      const response = await json(await post(fixture.url, complete({ type: 'ref/prompt', name: 'summarize' }, 'style', 'b'), as('nobody-token-0123456789abcdef')));
      assert.deepEqual(response.result.completion, { values: ['brief', 'bullets'] });
      const none = await json(await post(fixture.url, complete({ type: 'ref/prompt', name: 'summarize' }, 'style', 'x'), as('nobody-token-0123456789abcdef')));
      assert.deepEqual(none.result.completion, { values: [] });
    });

    it('a resource template variable completes by the template', async () => {
      const response = await json(await post(fixture.url, complete({ type: 'ref/resource', uri: 'notes://{folder}/{id}' }, 'folder', 'in'), as('nobody-token-0123456789abcdef')));
      assert.deepEqual(response.result.completion, { values: ['inbox'], total: 2 });
    });

    it('completion for a prompt the caller may not see answers like a missing prompt; its completer never runs', async () => {
      const before = Calls.completer;
      const hidden = await (await post(fixture.url, complete({ type: 'ref/prompt', name: 'report' }, 'region', 'eu'), as('nobody-token-0123456789abcdef'))).text();
      const ghost = await (await post(fixture.url, complete({ type: 'ref/prompt', name: 'ghost' }, 'region', 'eu'), as('nobody-token-0123456789abcdef'))).text();
      assert.equal(hidden, ghost.replaceAll('ghost', 'report'));
      assert.equal(hidden, '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown prompt: report"}}');
      assert.equal(Calls.completer, before);
      const allowed = await json(await post(fixture.url, complete({ type: 'ref/prompt', name: 'report' }, 'region', 'eu'), as('reader-token-0123456789abcdef')));
      assert.deepEqual(allowed.result.completion, { values: ['eu-west', 'eu-north'] });
    });

    it('malformed params are -32602', async () => {
      for (const params of [
        { ref: { type: 'ref/tool', name: 'x' }, argument: { name: 'a', value: '' } },
        { ref: { type: 'ref/prompt' }, argument: { name: 'a', value: '' } },
        { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'id' } },
        { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'id', value: '' }, context: { arguments: { style: 3 } } },
      ]) {
        const response = await json(await post(fixture.url, { jsonrpc: '2.0', id: 2, method: 'completion/complete', params }, as('reader-token-0123456789abcdef')));
        assert.equal(response.error.code, -32602, JSON.stringify(params));
      }
    });

    it('a 2026-07-28 client completes too (resultType on the result)', async () => {
      const raw = await json(await modernPost(fixture.url, 3, 'completion/complete', { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'style', value: 'd' } }, as('nobody-token-0123456789abcdef')));
      assert.equal(raw.result.resultType, 'complete');
      assert.deepEqual(raw.result.completion, { values: ['detailed'] });
      const client = await connectModernClient(fixture.url, as('reader-token-0123456789abcdef'));
      try {
        const result = await client.complete({ ref: { type: 'ref/resource', uri: 'notes://{folder}/{id}' }, argument: { name: 'folder', value: 'a' } });
        assert.deepEqual(result.completion.values, ['archive']);
      } finally {
        await client.close();
      }
    });
  });
}

describe('completion declarations are checked at startup', () => {
  async function bootWith(components: Function[]): Promise<unknown> {
    @Module({ imports: [McpAuthModule.forRoot({ name: 'n', version: '1', allowAnonymous: true })], providers: components as never })
    class TestModule {}
    return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false }).then(
      async (app) => void (await app.close()),
      (error: unknown) => error,
    );
  }

  it('an unknown prompt, an unknown argument, two completers for one argument', async () => {
    @Injectable()
    class UnknownPrompt {
      @McpComplete({ prompt: 'nope', argument: 'a' })
      c() {
        return [];
      }
    }
    assert.match(String(await bootWith([UnknownPrompt])), /UnknownPrompt#c completes an argument of prompt "nope"/);

    @Injectable()
    class UnknownArgument {
      @McpPrompt({ description: 'p' })
      p(@McpArgs() args: ReportArgs) {
        return args.region;
      }
      @McpComplete({ prompt: 'p', argument: 'country' })
      c() {
        return [];
      }
    }
    assert.match(String(await bootWith([UnknownArgument])), /completes argument "country" of "p", which has only "region"/);

    @Injectable()
    class Twice {
      @McpPrompt({ description: 'p' })
      p(@McpArgs() args: ReportArgs) {
        return args.region;
      }
      @McpComplete({ prompt: 'p', argument: 'region' })
      a() {
        return [];
      }
      @McpComplete({ prompt: 'p', argument: 'region' })
      b() {
        return [];
      }
    }
    assert.match(String(await bootWith([Twice])), /another @McpComplete method already completes/);
  });

  it('without completers or enums, completion/complete is an unknown method and no capability is advertised', async () => {
    const fixture = await startFixture({ adapter: 'express' });
    try {
      const client = await connectClient(fixture.url);
      assert.equal(client.getServerCapabilities()?.completions, undefined);
      await assert.rejects(client.request({ method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'id', value: '' } } }, CompleteResultSchema), /Method not found/);
      await client.close();
    } finally {
      await fixture.close();
    }
  });
});
