import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { McpAuthModule, McpStaticTokens } from 'nestjs-mcp-auth';
import { authEnv } from '../lib/auth.js';
import { AddTools, manyToolsProvider } from '../lib/module-tools.js';
import { AUTHZ_SCOPES, AUTHZ_TOKEN, requiredScope, TOOL_COUNT } from '../lib/work.js';
import { adapterArg, announce, exitOnSignal } from '../lib/serve.js';
import { moduleAuthOptions } from '../module-auth.js';

/**
 * The module peer, stateless, on the adapter named by argv[2]: argv[3] = "call" serves the one `add` tool,
 * "list" serves 1,000 generated tools.
 */
const adapter = adapterArg(process.argv[2]);
const scenario = process.argv[3] === 'list' || process.argv[3] === 'list-authz' ? process.argv[3] : 'call';
const auth = authEnv();

@Module({
  imports: [
    McpAuthModule.forRoot({
      name: 'bench',
      version: '1.0.0',
      http: { mode: 'stateless' },
      allowAnonymous: true,
      ...(auth && moduleAuthOptions(auth.publicKeyPem, auth.issuer, auth.audience)),
      ...(scenario === 'list-authz' && {
        allowAnonymous: false,
        resource: 'http://127.0.0.1/mcp',
        authenticate: [McpStaticTokens({ tokens: { [AUTHZ_TOKEN]: { principal: { sub: 'reader' }, scopes: AUTHZ_SCOPES } } })],
      }),
    }),
  ],
  providers: [scenario === 'call' ? AddTools : manyToolsProvider(TOOL_COUNT, scenario === 'list-authz' ? requiredScope : undefined)],
})
class BenchModule {}

const httpAdapter = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
const app = await NestFactory.create(BenchModule, httpAdapter as never, { logger: false });
exitOnSignal();
await app.listen(0, '127.0.0.1');
announce(app.getHttpServer());
