import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { devToken, mcpPath, usesJwt } from './mcp.options.js';

/** HTTP entry: serves the notes MCP server over Streamable HTTP. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGINT/SIGTERM run onApplicationShutdown, which closes open MCP sessions and streams.
  app.enableShutdownHooks();
  // Loopback by default: an MCP server on 0.0.0.0 is reachable by anything on the network.
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(Number(process.env.PORT ?? 3000), host);
  const config = app.get(ConfigService);
  const url = new URL(mcpPath(config), await app.getUrl()).href;
  Logger.log(`MCP endpoint: ${url}`, 'Bootstrap');
  if (!usesJwt(config)) {
    // Development only (static tokens refuse to start with NODE_ENV=production): how to call it right now.
    const token = devToken(config);
    Logger.log(`Development token: ${token} (set MCP_JWT_ISSUER to use your identity provider instead)`, 'Bootstrap');
    Logger.log(
      `Try it: curl -s ${url} -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' ` +
        `-H 'authorization: Bearer ${token}' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
      'Bootstrap',
    );
  }
}

void bootstrap();
