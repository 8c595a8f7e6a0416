import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The sample's stdio entry, compiled next to this file's build output. */
const ENTRY = fileURLToPath(new URL('../../sample/main.stdio.js', import.meta.url));
/** Only what node needs: no MCP_* variable of the developer's shell leaks into the child. */
const ENV = { PATH: process.env.PATH ?? '', NODE_ENV: 'test' };

describe('stdio: the sample over the SDK stdio client', () => {
  let client: Client;
  let transport: StdioClientTransport;
  const transportErrors: Error[] = [];
  let stderr = '';

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing: run npm run build:all`);
    transport = new StdioClientTransport({ command: process.execPath, args: [ENTRY], env: ENV, stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    // Set after connect: the client installs its own handler, which we wrap to keep what it saw.
    const previous = transport.onerror;
    transport.onerror = (error) => {
      transportErrors.push(error);
      previous?.(error);
    };
  });
  after(async () => {
    await client?.close();
  });

  it('initializes with the sample server', () => {
    assert.deepEqual(client.getServerVersion(), { name: 'notes', version: '1.0.0', title: 'Notes' });
  });

  it('lists the tools the stdio principal may use', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    for (const expected of ['create-note', 'list-notes', 'delete-note']) assert.ok(names.includes(expected), names.join());
  });

  it('calls tools', async () => {
    const created = await client.callTool({ name: 'create-note', arguments: { title: 'From stdio' } });
    assert.equal(created.isError, undefined);
    assert.equal((created.structuredContent as { title: string }).title, 'From stdio');
    const listed = await client.callTool({ name: 'list-notes', arguments: {} });
    const { total, notes } = listed.structuredContent as { total: number; notes: Array<{ title: string }> };
    assert.ok(total >= 1);
    assert.ok(notes.some((note) => note.title === 'From stdio'));
  });

  it('stdout carries only JSON-RPC and the logs go to stderr', () => {
    assert.deepEqual(transportErrors, []);
    assert.match(stderr, /NestFactory|NestApplication|InstanceLoader/);
  });

  it('says on stderr, once, what it serves and whom it runs as; no per-request audit lines', () => {
    const plain = stderr.replace(/\x1b\[[0-9;]*m/g, '');
    const lines = plain.split('\n').filter((line) => line.includes('MCP server'));
    assert.equal(lines.length, 1, plain);
    assert.match(
      lines[0],
      /\[McpAuthModule\] MCP server notes 1\.0\.0 on stdio, as developer \(from stdio\.principal\): 3 tools, 1 resource, 1 resource template, 1 prompt; authentication: static development tokens$/,
    );
    assert.doesNotMatch(plain, /mcp\.auth\.decision/);
  });
});

describe('stdio: the raw stream', () => {
  it('every stdout line is a JSON-RPC message, and the process exits when stdin closes', async () => {
    const child = spawn(process.execPath, [ENTRY], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'nope', arguments: {} } });
      const deadline = Date.now() + 10_000;
      while (stdout.split('\n').filter(Boolean).length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.stdin.end();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the process did not exit')), 10_000)));
      const [code] = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
      assert.equal(code, 0, stderr);

      const lines = stdout.split('\n').filter(Boolean);
      const messages = lines.map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: unknown; error?: unknown });
      for (const message of messages) assert.equal(message.jsonrpc, '2.0');
      // Requests run concurrently: responses come in the order they finish.
      const byId = new Map(messages.map((m) => [m.id, m]));
      assert.deepEqual([...byId.keys()].sort(), [1, 2, 3]);
      assert.equal(messages.length, 3);
      assert.ok((byId.get(2)!.result as { tools: unknown[] }).tools.length > 0);
      assert.deepEqual(byId.get(3)!.error, { code: -32602, message: 'Unknown tool: nope' });
      assert.ok(stderr.length > 0, 'the logs should be on stderr');
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
