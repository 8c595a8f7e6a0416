import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { McpAuthModule, McpExecutionContext, McpListSafe, McpTool, RequireScopes } from 'nestjs-mcp-auth';
import { createMcpTestRunner, McpTestRpcError, type McpTestRunner } from 'nestjs-mcp-auth/testing';

/** Refuses the banned user, whatever the component. */
@McpListSafe()
@Injectable()
class NotBannedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return McpExecutionContext.create(context).getPrincipal().principal.sub !== 'banned';
  }
}

@Injectable()
class ExportTools {
  @McpTool({ name: 'export', description: 'Exports', auth: RequireScopes('notes:export'), onDenied: 'challenge' })
  @UseGuards(NotBannedGuard)
  run() {
    return 'exported';
  }
}

describe('step-up candidates and list-safe guards', () => {
  let moduleRef: TestingModule;
  let mcp: McpTestRunner;
  before(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ name: 't', version: '1', resource: 'https://t.example/mcp', allowAnonymous: true })],
      providers: [ExportTools, NotBannedGuard],
    })
      .setLogger(false as never)
      .compile();
    mcp = await createMcpTestRunner(moduleRef);
  });
  after(() => moduleRef.close());

  it('a caller lacking only the scope sees the tool and is challenged; one the guard refuses never learns it exists', async () => {
    const names = async (sub: string) => (await mcp.as({ sub, scopes: [] }).listTools()).tools.map((t) => t.name);
    assert.deepEqual(await names('alice'), ['export']);
    assert.deepEqual(await names('banned'), []);
    const alice = await mcp.as({ sub: 'alice', scopes: [] }).callTool('export').then(() => undefined, (e: unknown) => e);
    assert.ok(alice instanceof McpTestRpcError && alice.status === 403, String(alice));
    const banned = await mcp.as({ sub: 'banned', scopes: [] }).callTool('export').then(() => undefined, (e: unknown) => e);
    const ghost = await mcp.as({ sub: 'banned', scopes: [] }).callTool('ghost').then(() => undefined, (e: unknown) => e);
    assert.ok(banned instanceof McpTestRpcError && ghost instanceof McpTestRpcError);
    assert.equal(banned.code, ghost.code);
    assert.equal(banned.message.replaceAll('export', 'ghost'), ghost.message);
  });
});
