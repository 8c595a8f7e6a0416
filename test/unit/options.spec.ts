import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { McpAuthenticationGuard, McpAuthModule, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { connectClient } from '../fixtures/app.fixture.js';
import { NotesStore, NotesTools } from '../fixtures/notes.components.js';

/** Boots an application context around the module definition; resolves to the context or rejects. */
async function boot(mcp: DynamicModule, extra: Partial<Parameters<typeof Module>[0]> = {}) {
  @Module({ imports: [mcp, ...(extra.imports ?? [])], providers: extra.providers ?? [] })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
}

/** Startup fails with exactly this message (an app that boots anyway is closed, never left behind). */
async function failsWith(options: unknown, message: string): Promise<void> {
  const error = await boot(McpAuthModule.forRoot(options as McpAuthModuleOptions)).then(
    async (app) => void (await app.close()),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof Error, 'startup should have failed');
  assert.equal(error.message, message);
}

describe('McpAuthModule options', () => {
  it('name and version are required', async () => {
    await failsWith(
      { version: '1.0.0' },
      'McpAuthModule: option "name" is required. Set it to the name clients should see, e.g. { name: "notes" }.',
    );
    await failsWith({ name: '', version: '1.0.0' }, McpMessages.optionRequired('name', 'Set it to the name clients should see, e.g. { name: "notes" }.'));
    await failsWith(
      { name: 'notes' },
      'McpAuthModule: option "version" is required. Set it to your server version, e.g. { version: "1.0.0" }.',
    );
    await failsWith({ name: 42, version: '1' }, 'McpAuthModule: option "name" must be a string (got 42).');
  });

  it('authenticationGuard must be an McpAuthenticationGuard subclass', async () => {
    class NotAGuard {}
    await failsWith(
      { name: 'n', version: '1', allowAnonymous: true, authenticationGuard: NotAGuard },
      McpMessages.optionInvalid('authenticationGuard', 'a class that extends McpAuthenticationGuard', NotAGuard),
    );
  });

  it('http.path must be a route path', async () => {
    const expected = (got: string) =>
      `McpAuthModule: option "http.path" must be a route path starting with "/" such as "/mcp" (got ${JSON.stringify(got)}).`;
    for (const path of ['mcp', '/a//b', '/with space', '/q?x=1']) {
      await failsWith({ name: 'n', version: '1', http: { path } }, expected(path));
    }
  });

  it('http.mode must be stateless or stateful', async () => {
    await failsWith(
      { name: 'n', version: '1', http: { mode: 'sse' } },
      'McpAuthModule: option "http.mode" must be "stateless" or "stateful" (got "sse").',
    );
  });

  it('http.allowedOrigins must be an array of origins', async () => {
    const expected = (got: string) =>
      `McpAuthModule: option "http.allowedOrigins" must be an array of origins like "https://app.example.com" or "*" (got ${got}).`;
    await failsWith({ name: 'n', version: '1', http: { allowedOrigins: ['app.example.com'] } }, expected('["app.example.com"]'));
    await failsWith({ name: 'n', version: '1', http: { allowedOrigins: ['https://a.example/path'] } }, expected('["https://a.example/path"]'));
    await failsWith({ name: 'n', version: '1', http: { allowedOrigins: ['ftp://a.example'] } }, expected('["ftp://a.example"]'));
    await failsWith({ name: 'n', version: '1', http: { allowedOrigins: 'https://a.example' } }, expected('"https://a.example"'));
  });

  it('other options are checked too', async () => {
    await failsWith(
      { name: 'n', version: '1', http: { sessionIdleTimeoutMs: 10 } },
      'McpAuthModule: option "http.sessionIdleTimeoutMs" must be an integer of at least 1000 (got 10).',
    );
    await failsWith({ name: 'n', version: '1', maskErrorDetails: 'yes' }, 'McpAuthModule: option "maskErrorDetails" must be a boolean (got "yes").');
    await failsWith({ name: 'n', version: '1', http: 'yes' }, 'McpAuthModule: option "http" must be an object or false (got "yes").');
  });

  it('protocol.eras and protocol.listTtlMs are checked', async () => {
    await failsWith(
      { name: 'n', version: '1', allowAnonymous: true, protocol: { eras: 'both' } },
      'McpAuthModule: option "protocol.eras" must be "dual", "modern" or "legacy" (got "both").',
    );
    await failsWith(
      { name: 'n', version: '1', allowAnonymous: true, protocol: { listTtlMs: -1 } },
      'McpAuthModule: option "protocol.listTtlMs" must be an integer of at least 0 (got -1).',
    );
    await failsWith({ name: 'n', version: '1', allowAnonymous: true, protocol: 'modern' }, 'McpAuthModule: option "protocol" must be an object (got "modern").');
    // A short secret is refused, and never echoed back in the message.
    await failsWith(
      { name: 'n', version: '1', allowAnonymous: true, protocol: { requestStateSecret: 'short-secret' } },
      'McpAuthModule: option "protocol.requestStateSecret" must be a string of at least 32 characters (got "(hidden)").',
    );
  });

  it('logging takes booleans startup and authDecisions; anything else is named', async () => {
    const base = { name: 'n', version: '1', http: false as const };
    await failsWith({ ...base, logging: true }, McpMessages.optionInvalid('logging', 'an object such as { startup: false, authDecisions: true }', true));
    await failsWith({ ...base, logging: { startup: 'no' } }, 'McpAuthModule: option "logging.startup" must be a boolean (got "no").');
    await failsWith({ ...base, logging: { authDecisions: 1 } }, 'McpAuthModule: option "logging.authDecisions" must be a boolean (got 1).');
    await failsWith(
      { ...base, logging: { audit: true } },
      'McpAuthModule: there is no option "logging.audit"; the options there are "startup", "authDecisions".',
    );
    await failsWith({ ...base, onAuthDecision: 'log' }, 'McpAuthModule: option "onAuthDecision" must be a function (got "log").');
    const app = await boot(McpAuthModule.forRoot({ ...base, logging: { startup: false, authDecisions: true } }));
    await app.close();
  });

  it('valid options boot', async () => {
    const app = await boot(McpAuthModule.forRoot({ name: 'n', version: '1', allowAnonymous: true, http: { path: '/rpc/', allowedOrigins: ['*'] } }));
    await app.close();
  });
});

describe('McpAuthModule.forRootAsync', () => {
  const configured = () =>
    McpAuthModule.forRootAsync({
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ mcp: { name: 'from-config', path: '/configured' } })] })],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        name: config.getOrThrow<string>('mcp.name'),
        version: '2.0.0',
        allowAnonymous: true,
        http: { path: config.getOrThrow<string>('mcp.path') },
      }),
    });

  it('takes its options from ConfigService and serves at the configured path', async () => {
    @Module({ imports: [configured()], providers: [NotesStore, NotesTools] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const client = await connectClient(new URL(`http://127.0.0.1:${port}/configured`));
      assert.deepEqual(client.getServerVersion(), { name: 'from-config', version: '2.0.0' });
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === 'create'));
      await client.close();
      assert.equal((await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST' })).status, 404);
    } finally {
      await app.close();
    }
  });

  it('validates what the factory returns', async () => {
    const definition = McpAuthModule.forRootAsync({ useFactory: () => ({ name: 'n', version: '1', http: { mode: 'push' } }) as never });
    await assert.rejects(boot(definition), {
      message: 'McpAuthModule: option "http.mode" must be "stateless" or "stateful" (got "push").',
    });
  });

  it('isGlobal: true makes the module\'s exports (McpAuthenticationGuard) injectable in modules that do not import it', async () => {
    @Injectable()
    class UsesGuard {
      constructor(@Inject(McpAuthenticationGuard) readonly guard: McpAuthenticationGuard) {}
    }
    @Module({ providers: [UsesGuard] })
    class FeatureModule {}
    const app = await boot(McpAuthModule.forRoot({ name: 'global', version: '1', allowAnonymous: true, isGlobal: true }), {
      imports: [FeatureModule],
    });
    try {
      assert.ok(app.get(UsesGuard).guard instanceof McpAuthenticationGuard);
    } finally {
      await app.close();
    }
    await assert.rejects(
      boot(McpAuthModule.forRoot({ name: 'local', version: '1', allowAnonymous: true }), { imports: [FeatureModule] }),
      /Nest can't resolve dependencies of the UsesGuard/,
    );
  });
});
