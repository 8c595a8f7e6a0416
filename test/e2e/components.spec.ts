import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { ADAPTERS, connectClient, startFixture, type Fixture } from '../fixtures/app.fixture.js';

const MODES = ['stateless', 'stateful'] as const;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The one text content of a tool result. */
function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  assert.equal(content.length, 1);
  assert.equal(content[0].type, 'text');
  return content[0].text!;
}

/** The text of the first content of a resource read. */
function resourceText(read: { contents: ReadonlyArray<object> }): string {
  const { text } = read.contents[0] as { text?: unknown };
  assert.equal(typeof text, 'string');
  return text as string;
}

/** Rejects with an McpError of this code and message (the SDK prefixes "MCP error <code>: "). */
async function rejectsWith(promise: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof McpError, `expected McpError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.message, `MCP error ${code}: ${message}`);
    return true;
  });
}

for (const adapter of ADAPTERS) {
  for (const mode of MODES) {
    describe(`components over ${adapter} (${mode})`, () => {
      let fixture: Fixture;
      let client: Client;

      before(async () => {
        fixture = await startFixture({ adapter, mcp: { http: { mode } } });
        client = await connectClient(fixture.url);
      });
      after(async () => {
        await client?.close();
        await fixture?.close();
      });

      const noteCount = async () => {
        const read = await client.readResource({ uri: 'notes://index' });
        return (JSON.parse(resourceText(read)) as unknown[]).length;
      };

      it('initialize reports the server name, version and capabilities', () => {
        assert.deepEqual(client.getServerVersion(), { name: 'notes-test', version: '1.0.0' });
        const caps = client.getServerCapabilities();
        assert.deepEqual(caps?.tools, { listChanged: true });
        assert.deepEqual(caps?.resources, { subscribe: true, listChanged: true });
        assert.deepEqual(caps?.prompts, { listChanged: true });
        assert.deepEqual(caps?.logging, {});
      });

      it('lists every tool with its description and annotations', async () => {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), ['create', 'echo', 'explode', 'hang', 'lateHang', 'refuse', 'reject', 'slow', 'whoami']);
        const echo = tools.find((t) => t.name === 'echo')!;
        assert.equal(echo.description, 'Echo text');
        assert.deepEqual(echo.annotations, { readOnlyHint: true });
        assert.deepEqual(echo.inputSchema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
        const explode = tools.find((t) => t.name === 'explode')!;
        assert.deepEqual(explode.inputSchema, { type: 'object', properties: {} });
        assert.equal(explode.outputSchema, undefined);
      });

      it('derives the input schema of create from its DTO', async () => {
        const { tools } = await client.listTools();
        const create = tools.find((t) => t.name === 'create')!;
        assert.equal(create.description, 'Create a note');
        assert.deepEqual(create.inputSchema, {
          type: 'object',
          properties: {
            title: { type: 'string', maxLength: 20, description: 'Title of the note' },
            body: { type: 'string' },
            priority: { enum: ['low', 'high'] },
            stars: { type: 'integer', minimum: 1, maximum: 5 },
            slug: { type: 'string', pattern: '^[a-z]+$' },
            author: {
              type: 'object',
              properties: { name: { type: 'string', minLength: 2 } },
              required: ['name'],
              additionalProperties: false,
            },
            tags: { type: 'array', items: { type: 'string' } },
          },
          required: ['title'],
          additionalProperties: false,
        });
      });

      it('advertises the output schema of create from its outputSchema DTO', async () => {
        const { tools } = await client.listTools();
        const create = tools.find((t) => t.name === 'create')!;
        assert.deepEqual(create.outputSchema, {
          type: 'object',
          properties: { id: { type: 'integer' }, title: { type: 'string' } },
          required: ['id', 'title'],
        });
      });

      it('calls a tool: structuredContent and the same JSON as text, with a DTO instance and the principal', async () => {
        const result = await client.callTool({ name: 'create', arguments: { title: 'Groceries', body: 'milk', stars: 3 } });
        assert.equal(result.isError, undefined);
        const expected = { id: 1, title: 'Groceries', body: 'milk', by: 'anonymous', isDto: true };
        assert.deepEqual(result.structuredContent, expected);
        assert.deepEqual(JSON.parse(textOf(result)), expected);
      });

      it('a string result becomes one text content and interceptors run', async () => {
        const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
        assert.deepEqual(result.content, [{ type: 'text', text: '[tool] hi' }]);
        assert.equal(result.structuredContent, undefined);
      });

      it('invalid arguments: a tool error naming every failing property, and the handler does not run', async () => {
        const before = await noteCount();
        const result = await client.callTool({
          name: 'create',
          arguments: { title: 'x'.repeat(21), stars: 9, priority: 'urgent', slug: 'Not A Slug', author: { name: 'A' }, extra: 1 },
        });
        assert.equal(result.isError, true);
        const text = textOf(result);
        assert.match(text, /^Invalid arguments: /);
        for (const part of [
          'title: title must be shorter than or equal to 20 characters',
          'stars: stars must not be greater than 5',
          'priority: priority must be one of the following values: low, high',
          'slug: slug must match /^[a-z]+$/ regular expression',
          'author.name: name must be longer than or equal to 2 characters',
          'extra: property extra should not exist',
        ]) {
          assert.ok(text.includes(part), `missing "${part}" in: ${text}`);
        }
        assert.equal(text.split('; ').length, 6, text);
        assert.equal(await noteCount(), before);
      });

      it('a missing required property and a wrong type are refused', async () => {
        const before = await noteCount();
        const missing = await client.callTool({ name: 'create', arguments: {} });
        assert.equal(missing.isError, true);
        assert.equal(textOf(missing), 'Invalid arguments: title: title must be shorter than or equal to 20 characters, title must be a string');
        const wrongType = await client.callTool({ name: 'create', arguments: { title: 'ok', stars: '3' } });
        assert.equal(wrongType.isError, true);
        assert.match(textOf(wrongType), /^Invalid arguments: stars: .*stars must be an integer number/);
        assert.equal(await noteCount(), before);
      });

      it('an argument bound with @McpArgs(name) must be present and of its parameter type', async () => {
        const wrongType = await client.callTool({ name: 'echo', arguments: { text: 5 } });
        assert.equal(wrongType.isError, true);
        assert.equal(textOf(wrongType), 'Invalid arguments: text: text must be a string');
        const missing = await client.callTool({ name: 'echo', arguments: {} });
        assert.equal(missing.isError, true);
        assert.equal(textOf(missing), 'Invalid arguments: text: text is required');
      });

      it('an unknown tool is a JSON-RPC error -32602', async () => {
        await rejectsWith(client.callTool({ name: 'nope', arguments: {} }), -32602, 'Unknown tool: nope');
      });

      it('an unexpected error is masked with a reference id', async () => {
        const result = await client.callTool({ name: 'explode', arguments: {} });
        assert.equal(result.isError, true);
        const text = textOf(result);
        assert.match(text, new RegExp(`^Internal error \\(reference: ${UUID}\\)$`));
        assert.ok(!text.includes('hunter2'));
        assert.ok(!text.includes('/srv/secret.ts'));
        assert.ok(!JSON.stringify(result).includes('hunter2'));
      });

      it('McpToolError and a 400 HttpException reach the client with their message', async () => {
        const refused = await client.callTool({ name: 'refuse', arguments: {} });
        assert.equal(refused.isError, true);
        assert.equal(textOf(refused), 'Note is archived');
        const rejected = await client.callTool({ name: 'reject', arguments: {} });
        assert.equal(rejected.isError, true);
        assert.equal(textOf(rejected), 'title is taken');
      });

      it('lists and reads resources', async () => {
        const { resources } = await client.listResources();
        assert.deepEqual(resources, [{ uri: 'notes://index', name: 'index', description: 'All notes', mimeType: 'application/json' }]);
        await client.callTool({ name: 'create', arguments: { title: 'Indexed' } });
        const read = await client.readResource({ uri: 'notes://index' });
        assert.equal(read.contents.length, 1);
        assert.equal(read.contents[0].uri, 'notes://index');
        assert.equal(read.contents[0].mimeType, 'application/json');
        const notes = JSON.parse(resourceText(read)) as Array<{ title: string }>;
        assert.ok(notes.some((n) => n.title === 'Indexed'));
      });

      it('lists resource templates and reads one with its variable converted by the DTO', async () => {
        const { resourceTemplates } = await client.listResourceTemplates();
        assert.deepEqual(resourceTemplates, [
          { uriTemplate: 'notes://{id}', name: 'one', description: 'One note', mimeType: 'application/json' },
        ]);
        const created = await client.callTool({ name: 'create', arguments: { title: 'Template' } });
        const id = (created.structuredContent as { id: number }).id;
        // The store is keyed by number: the read only finds the note when "{id}" became an integer.
        const read = await client.readResource({ uri: `notes://${id}` });
        assert.equal(read.contents[0].uri, `notes://${id}`);
        assert.equal(read.contents[0].mimeType, 'application/json');
        assert.deepEqual(JSON.parse(resourceText(read)), { id, title: 'Template' });
      });

      it('template variables are validated and handler errors are JSON-RPC errors', async () => {
        await rejectsWith(client.readResource({ uri: 'notes://0' }), -32602, 'Invalid arguments: id: id must not be less than 1');
        await rejectsWith(
          client.readResource({ uri: 'notes://abc' }),
          -32602,
          'Invalid arguments: id: id must not be less than 1, id must be an integer number',
        );
        await rejectsWith(client.readResource({ uri: 'notes://999' }), -32602, 'Note 999 does not exist');
      });

      it('an unknown resource is a JSON-RPC error -32002', async () => {
        await rejectsWith(client.readResource({ uri: 'nope://x' }), -32002, 'Resource not found: nope://x');
      });

      it('lists prompts with arguments derived from the DTO', async () => {
        const { prompts } = await client.listPrompts();
        assert.deepEqual(prompts, [
          {
            name: 'summarize',
            description: 'Summarize a note',
            arguments: [
              { name: 'id', description: 'Note id', required: true },
              { name: 'style', required: false },
            ],
          },
        ]);
      });

      it('gets a prompt', async () => {
        const result = await client.getPrompt({ name: 'summarize', arguments: { id: '3', style: 'short' } });
        assert.deepEqual(result, {
          description: 'Summarize a note',
          messages: [{ role: 'user', content: { type: 'text', text: 'Summarize note 3 in a short style.' } }],
        });
      });

      it('an unknown prompt and missing prompt arguments are JSON-RPC errors -32602', async () => {
        await rejectsWith(client.getPrompt({ name: 'nope' }), -32602, 'Unknown prompt: nope');
        await rejectsWith(client.getPrompt({ name: 'summarize', arguments: {} }), -32602, 'Invalid arguments: id: id must be a string');
      });

      if (mode === 'stateful') {
        it('streams progress and log notifications to the caller', async () => {
          const progress: Progress[] = [];
          const logs: unknown[] = [];
          client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
          const result = await client.callTool({ name: 'slow', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
          assert.deepEqual(progress, [
            { progress: 1, total: 2, message: 'half' },
            { progress: 2, total: 2, message: 'done' },
          ]);
          assert.deepEqual(logs, [{ level: 'info', data: { step: 'finished' } }]);
          const sessionId = (client.transport as { sessionId?: string }).sessionId;
          assert.match(sessionId ?? '', /^[A-Za-z0-9_-]{22}$/);
          assert.equal(textOf(result), `session=${sessionId} transport=http http=true`);
        });
      } else {
        it('a tool that reports progress still succeeds without a stream', async () => {
          const progress: Progress[] = [];
          const result = await client.callTool({ name: 'slow', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
          assert.equal(textOf(result), 'session=none transport=http http=true');
          assert.deepEqual(progress, []);
        });
      }
    });
  }
}
