import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { ConformancePrompts, ConformanceResources, ConformanceTools } from './conformance.components.js';

/**
 * The server the official MCP conformance suite runs against (`npm run conformance`), built on the public API only.
 *
 * This fixture is for protocol conformance, not authentication: the suite's server scenarios send no token, so
 * requests run as the anonymous principal (`allowAnonymous: true`, no authenticators). Stateful HTTP, because the
 * 2025 scenarios use sessions and server-to-client streams; both eras on the one endpoint.
 *
 * Environment: PORT (default 0, any free port), MCP_ERAS (`dual` by default), MCP_MODE (`stateful` by default).
 * Prints `MCP_CONFORMANCE_URL=<url>` on stdout once listening.
 */
@Module({
  imports: [
    McpAuthModule.forRoot({
      name: 'nestjs-mcp-auth-conformance',
      version: '1.0.0',
      http: { path: '/mcp', mode: (process.env.MCP_MODE as 'stateful' | 'stateless' | undefined) ?? 'stateful' },
      protocol: { eras: (process.env.MCP_ERAS as 'dual' | 'modern' | 'legacy' | undefined) ?? 'dual' },
      allowAnonymous: true,
      // The masked reference is enough for the suite; the detail stays in the server log.
      maskErrorDetails: true,
    }),
  ],
  providers: [ConformanceTools, ConformanceResources, ConformancePrompts],
})
class ConformanceModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(ConformanceModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const url = new URL('/mcp', await app.getUrl()).href;
  // One line on stdout for the runner script to read.
  process.stdout.write(`MCP_CONFORMANCE_URL=${url}\n`);
  Logger.log(`Conformance fixture listening on ${url}`, 'Conformance');
}

void main();
