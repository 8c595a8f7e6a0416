import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const ENTRY = fileURLToPath(new URL('../../sample/main.stdio.js', import.meta.url));
const ENV = { PATH: process.env.PATH ?? '', NODE_ENV: 'test' };

describe('stdio: a 2026-07-28 client beside the 2025 handshake', () => {
  it('the v2 SDK client negotiates 2026-07-28 over stdio (server/discover), lists and calls', async () => {
    const client = new Client({ name: 'stdio-modern', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [ENTRY], env: ENV, stderr: 'pipe' }));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('create-note'), names.join());
      const created = await client.callTool({ name: 'create-note', arguments: { title: 'Modern stdio' } });
      assert.equal((created.structuredContent as { title: string }).title, 'Modern stdio');
    } finally {
      await client.close();
    }
  });
});
