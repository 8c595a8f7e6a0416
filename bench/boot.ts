import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { manyToolsProvider } from './lib/module-tools.js';

/**
 * One bootstrap measurement in a fresh process: `NestFactory.create` + `app.init()` of the module (Express)
 * with argv[2] generated tools (0 = none). Everything is imported and the provider class built before the
 * clock starts. Prints {"ms": …} on stdout.
 */
const count = Number(process.argv[2] ?? 0);

@Module({
  imports: [McpAuthModule.forRoot({ name: 'bench', version: '1.0.0', http: { mode: 'stateless' }, allowAnonymous: true })],
  providers: count > 0 ? [manyToolsProvider(count)] : [],
})
class BootModule {}

const start = performance.now();
const app = await NestFactory.create(BootModule, new ExpressAdapter(), { logger: false });
await app.init();
const ms = performance.now() - start;
await app.close();
process.stdout.write(`${JSON.stringify({ tools: count, ms })}\n`);
