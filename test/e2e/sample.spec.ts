import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { connectMcpTestClient, createMcpTestIssuer, createMcpTestRunner, McpTestRpcError, type McpTestIssuer, type McpTestRunner } from 'nestjs-mcp-auth/testing';
import { AppModule } from '../../sample/app.module.js';

const RESOURCE = 'https://notes.sample.test/mcp';
const WRITER = { sub: 'ada', scopes: ['notes:read', 'notes:write'], roles: ['editor'] };
const READER = { sub: 'bob', scopes: ['notes:read'] };

/** Sets environment variables for one suite (the sample reads its configuration from the environment). */
function withEnv(vars: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  };
  apply(vars);
  return () => apply(previous);
}

describe('the sample over HTTP, with tokens from a test issuer', () => {
  let issuer: McpTestIssuer;
  let app: INestApplication;
  let restore: () => void;

  before(async () => {
    issuer = await createMcpTestIssuer({ audience: RESOURCE });
    // The sample's JWT mode: MCP_JWT_ISSUER, with the JWKS at <issuer>/.well-known/jwks.json (the test issuer's path).
    restore = withEnv({ MCP_JWT_ISSUER: issuer.issuer, MCP_RESOURCE: RESOURCE, MCP_JWT_JWKS_URI: undefined, MCP_JWT_AUDIENCE: undefined });
    app = await NestFactory.create(AppModule, { logger: false });
  });
  after(async () => {
    await app.close();
    await issuer.close();
    restore();
  });

  it('lets a writer create a note and find it', async () => {
    const writer = await connectMcpTestClient(app, { issuer, principal: WRITER });
    try {
      const created = await writer.client.callTool({ name: 'create-note', arguments: { title: 'Groceries', tags: ['home'] } });
      assert.equal(created.isError, undefined);
      const listed = await writer.client.callTool({ name: 'list-notes', arguments: { tag: 'home' } });
      const { notes } = listed.structuredContent as { notes: Array<{ title: string }> };
      assert.deepEqual(notes.map((n) => n.title), ['Groceries']);
    } finally {
      await writer.close();
    }
  });

  it('shows a reader only the tools it may use', async () => {
    const reader = await connectMcpTestClient(app, { issuer, principal: READER });
    try {
      assert.deepEqual((await reader.client.listTools()).tools.map((t) => t.name), ['list-notes']);
      await assert.rejects(reader.client.callTool({ name: 'create-note', arguments: { title: 'x' } }), /Unknown tool: create-note/);
    } finally {
      await reader.close();
    }
  });

  it('refuses an expired token', async () => {
    await assert.rejects(connectMcpTestClient(app, { token: await issuer.mintExpired(WRITER) }), /401|invalid/i);
  });
});

describe('the sample in a testing module, with the runner', () => {
  let moduleRef: TestingModule;
  let mcp: McpTestRunner;
  let restore: () => void;

  before(async () => {
    restore = withEnv({ MCP_JWT_ISSUER: undefined, MCP_RESOURCE: RESOURCE });
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).setLogger(false as never).compile();
    mcp = await createMcpTestRunner(moduleRef);
  });
  after(async () => {
    await moduleRef.close();
    restore();
  });

  it('runs create-note and reads the note back as a resource', async () => {
    const ada = mcp.as(WRITER);
    const created = await ada.callTool('create-note', { title: 'Plan', body: 'Write tests first.' });
    const { id } = created.structuredContent as { id: number };
    const resource = await ada.readResource(`notes://${id}`);
    assert.equal(JSON.parse((resource.contents[0] as { text: string }).text).body, 'Write tests first.');
  });

  it('needs the editor role to delete, and hides delete-note from others', async () => {
    const noRole = mcp.as({ ...WRITER, roles: [] });
    assert.equal((await noRole.listTools()).tools.some((t) => t.name === 'delete-note'), false);
    await assert.rejects(noRole.callTool('delete-note', { id: 1 }), (e: McpTestRpcError) => e.code === -32602 && e.message === 'Unknown tool: delete-note');
    const result = await mcp.as(WRITER).callTool('delete-note', { id: 999 });
    assert.deepEqual(result, { content: [{ type: 'text', text: 'Note 999 does not exist.' }], isError: true });
  });

  it('hides the notes resources from a caller without notes:read', async () => {
    assert.deepEqual((await mcp.as({ sub: 'eve' }).listResources()).resources, []);
  });
});
