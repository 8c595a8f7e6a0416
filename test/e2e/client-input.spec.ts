import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpArgs, McpContext, McpPrompt, McpStaticTokens, McpTool, type McpContext as Ctx } from 'nestjs-mcp-auth';
import { ADAPTERS, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { connectModernClient, modernPost } from '../fixtures/modern.fixture.js';

class Contact {
  @IsString() @MaxLength(40) name!: string;
  @IsOptional() @IsIn(['email', 'phone']) via?: string;
  @IsOptional() @IsInt() @Min(0) @Max(150) age?: number;
  @IsOptional() @IsBoolean() newsletter?: boolean;
}

const Runs = { signup: 0 };

@Injectable()
class AskingTools {
  @McpTool({ description: 'Asks who the user is' })
  async signup(@McpContext() ctx: Ctx) {
    Runs.signup++;
    const answer = await ctx.elicit(Contact, 'Who are you?');
    if (answer.action !== 'accept') return `action=${answer.action}`;
    return `hello ${answer.value.name} via ${answer.value.via ?? '-'} (dto: ${answer.value instanceof Contact})`;
  }

  @McpTool({ description: 'Asks the client model' })
  async think(@McpArgs('question') question: string, @McpContext() ctx: Ctx) {
    const reply = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 20 });
    return `model ${reply.model} said ${(reply.content as { text: string }).text}`;
  }

  @McpTool({ description: 'Asks twice' })
  async twice(@McpContext() ctx: Ctx) {
    const first = await ctx.elicit(Contact, 'First?');
    const second = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'second?' } }], maxTokens: 5 });
    return `${first.action === 'accept' ? first.value.name : first.action} + ${(second.content as { text: string }).text}`;
  }

  @McpPrompt({ description: 'A prompt that asks first' })
  async greet(@McpContext() ctx: Ctx) {
    const answer = await ctx.elicit(Contact, 'Name for the greeting?');
    return answer.action === 'accept' ? `Greet ${answer.value.name}` : 'Greet nobody';
  }
}

const TOKENS = {
  'alice-token-0123456789abcdef': { principal: { sub: 'alice' } },
  'bob-token-0123456789abcdef012': { principal: { sub: 'bob' } },
};
const alice = { authorization: 'Bearer alice-token-0123456789abcdef' };
const bob = { authorization: 'Bearer bob-token-0123456789abcdef012' };
const CAPS = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, sampling: {} } };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();

for (const adapter of ADAPTERS) {
  describe(`elicitation and sampling (${adapter})`, () => {
    let fixture: Fixture;
    let stateless: Fixture;
    before(async () => {
      const mcp = { allowAnonymous: false, resource: 'https://mcp.test.example/mcp', authenticate: [McpStaticTokens({ tokens: TOKENS })] };
      fixture = await startFixture({ adapter, components: [AskingTools], mcp: { ...mcp, http: { mode: 'stateful' } } });
      stateless = await startFixture({ adapter, components: [AskingTools], mcp });
    });
    after(async () => {
      await fixture.close();
      await stateless.close();
    });

    async function legacyClient(url: URL, answer: (request: any) => unknown, capabilities = { elicitation: {}, sampling: {} }) {
      const client = new Client({ name: 'legacy', version: '1' }, { capabilities });
      if ('elicitation' in capabilities) client.setRequestHandler(ElicitRequestSchema, async (request) => answer(request) as never);
      if ('sampling' in capabilities) client.setRequestHandler(CreateMessageRequestSchema, async (request) => answer(request) as never);
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: alice } }));
      return client;
    }

    describe('2025: requests to the client on the call\'s stream', () => {
      it('elicit: the DTO becomes a flat requestedSchema; accept is validated into the DTO; decline and cancel are distinct', async () => {
        let seen: any;
        for (const [answer, expected] of [
          [{ action: 'accept', content: { name: 'Ada', via: 'email', age: 36 } }, 'hello Ada via email (dto: true)'],
          [{ action: 'decline' }, 'action=decline'],
          [{ action: 'cancel' }, 'action=cancel'],
        ] as const) {
          const client = await legacyClient(fixture.url, (request) => ((seen = request), answer));
          try {
            const result = await client.callTool({ name: 'signup', arguments: {} });
            assert.equal((result.content as any)[0].text, expected);
          } finally {
            await client.close();
          }
        }
        assert.equal(seen.params.message, 'Who are you?');
        assert.deepEqual(seen.params.requestedSchema, {
          type: 'object',
          properties: {
            name: { type: 'string', maxLength: 40 },
            via: { type: 'string', enum: ['email', 'phone'] },
            age: { type: 'integer', minimum: 0, maximum: 150 },
            newsletter: { type: 'boolean' },
          },
          required: ['name'],
        });
      });

      it('an accepted answer that breaks the DTO is a tool error, not a value', async () => {
        const client = await legacyClient(fixture.url, () => ({ action: 'accept', content: { name: 'x'.repeat(41), age: -1 } }));
        try {
          const result = await client.callTool({ name: 'signup', arguments: {} });
          assert.equal(result.isError, true);
          assert.match((result.content as any)[0].text, /elicitation answer is invalid/);
        } finally {
          await client.close();
        }
      });

      it('sample: the client model answers', async () => {
        let seen: any;
        const client = await legacyClient(fixture.url, (request) => ((seen = request), { role: 'assistant', model: 'm-1', content: { type: 'text', text: '4' } }));
        try {
          const result = await client.callTool({ name: 'think', arguments: { question: '2+2?' } });
          assert.equal((result.content as any)[0].text, 'model m-1 said 4');
          assert.deepEqual(seen.params, { messages: [{ role: 'user', content: { type: 'text', text: '2+2?' } }], maxTokens: 20 });
        } finally {
          await client.close();
        }
      });

      it('a client without the capability: -32021 naming it', async () => {
        const client = await legacyClient(fixture.url, () => ({}), {} as never);
        try {
          await assert.rejects(client.callTool({ name: 'signup', arguments: {} }), /Missing required client capability: elicitation/);
        } finally {
          await client.close();
        }
      });

      it('stateless 2025 cannot reach the client: a tool error says what would', async () => {
        const client = await legacyClient(stateless.url, () => ({ action: 'cancel' }));
        try {
          const result = await client.callTool({ name: 'signup', arguments: {} });
          assert.equal(result.isError, true);
          assert.match((result.content as any)[0].text, /needs a 2026-07-28 client, a stateful session/);
        } finally {
          await client.close();
        }
      });
    });

    describe('2026-07-28: input_required results (multi round-trip)', () => {
      const call = (headers: Record<string, string>, params: Record<string, unknown>, meta: Record<string, unknown> = CAPS, name = 'signup') =>
        modernPost(stateless.url, 1, 'tools/call', { name, arguments: {}, ...params }, headers, meta);

      it('a round asks, the retry answers, the handler runs again from the start and completes', async () => {
        const runs = Runs.signup;
        const first = await json(await call(alice, {}));
        assert.equal(first.result.resultType, 'input_required');
        assert.deepEqual(Object.keys(first.result.inputRequests), ['elicitation-1']);
        assert.equal(first.result.inputRequests['elicitation-1'].method, 'elicitation/create');
        assert.equal(first.result.inputRequests['elicitation-1'].params.mode, 'form');
        assert.equal(typeof first.result.requestState, 'string');
        assert.equal(first.result.ttlMs, undefined);
        const done = await json(await call(alice, { requestState: first.result.requestState, inputResponses: { 'elicitation-1': { action: 'accept', content: { name: 'Grace' } } } }));
        assert.equal(done.result.resultType, 'complete');
        assert.equal(done.result.content[0].text, 'hello Grace via - (dto: true)');
        assert.equal(Runs.signup, runs + 2);
      });

      it('two requests: two rounds, answers carried in the sealed state', async () => {
        const r1 = await json(await call(alice, {}, CAPS, 'twice'));
        const r2 = await json(await call(alice, { requestState: r1.result.requestState, inputResponses: { 'elicitation-1': { action: 'accept', content: { name: 'Lin' } } } }, CAPS, 'twice'));
        assert.equal(r2.result.resultType, 'input_required');
        assert.deepEqual(Object.keys(r2.result.inputRequests), ['sampling-2']);
        assert.doesNotMatch(r2.result.requestState, /Lin/);
        const r3 = await json(await call(alice, { requestState: r2.result.requestState, inputResponses: { 'sampling-2': { role: 'assistant', model: 'm', content: { type: 'text', text: 'ok' } } } }, CAPS, 'twice'));
        assert.equal(r3.result.content[0].text, 'Lin + ok');
      });

      it('a missing answer is asked for again; answers without a state, or to keys not asked, are ignored', async () => {
        const r1 = await json(await call(alice, { inputResponses: { 'elicitation-1': { action: 'accept', content: { name: 'Forged' } } } }));
        assert.equal(r1.result.resultType, 'input_required');
        const r2 = await json(await call(alice, { requestState: r1.result.requestState, inputResponses: { other: 1 } }));
        assert.equal(r2.result.resultType, 'input_required');
        assert.deepEqual(Object.keys(r2.result.inputRequests), ['elicitation-1']);
      });

      it('a tampered, foreign or misapplied requestState is refused (-32602)', async () => {
        const r1 = await json(await call(alice, {}));
        const state: string = r1.result.requestState;
        const answer = { 'elicitation-1': { action: 'accept', content: { name: 'Mallory' } } };
        const tampered = state.slice(0, -4) + (state.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        for (const [headers, params, name] of [
          [alice, { requestState: tampered, inputResponses: answer }, 'signup'],
          [alice, { requestState: 'not-a-state', inputResponses: answer }, 'signup'],
          [bob, { requestState: state, inputResponses: answer }, 'signup'],
          [alice, { requestState: state, inputResponses: answer, arguments: { x: 1 } }, 'signup'],
          [alice, { requestState: state, inputResponses: answer }, 'twice'],
        ] as const) {
          const reply = await json(await call(headers, params, CAPS, name));
          assert.equal(reply.error?.code, -32602, JSON.stringify({ name, params: Object.keys(params) }));
        }
      });

      it('a client that did not declare the capability: HTTP 400, -32021 with requiredCapabilities', async () => {
        const response = await call(alice, {}, { 'io.modelcontextprotocol/clientCapabilities': {} });
        assert.equal(response.status, 400);
        assert.deepEqual((await json(response)).error, { code: -32021, message: 'Missing required client capability: elicitation', data: { requiredCapabilities: { elicitation: {} } } });
      });

      it('prompts may ask too', async () => {
        const r1 = await json(await modernPost(stateless.url, 2, 'prompts/get', { name: 'greet' }, alice, CAPS));
        assert.equal(r1.result.resultType, 'input_required');
        const r2 = await json(await modernPost(stateless.url, 3, 'prompts/get', { name: 'greet', requestState: r1.result.requestState, inputResponses: { 'elicitation-1': { action: 'decline' } } }, alice, CAPS));
        assert.match(JSON.stringify(r2.result.messages), /Greet nobody/);
      });

      it('the 2026-07-28 SDK client fulfils the rounds itself', async () => {
        const client = await connectModernClient(stateless.url, alice, { capabilities: { elicitation: {}, sampling: {} }, inputRequired: { autoFulfill: true } }, (c) => {
          c.setRequestHandler('elicitation/create' as never, (async () => ({ action: 'accept', content: { name: 'Kay' } })) as never);
          c.setRequestHandler('sampling/createMessage' as never, (async () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: 'fine' } })) as never);
        });
        try {
          const result = await client.callTool({ name: 'twice', arguments: {} });
          assert.deepEqual(result.content, [{ type: 'text', text: 'Kay + fine' }]);
        } finally {
          await client.close();
        }
      });
    });
  });
}
