import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { usesJwt } from './mcp.options.js';

/**
 * HTTP entry: serves the notes MCP server over Streamable HTTP. Once it listens, McpAuthModule logs the endpoint URL,
 * what it serves and how to authenticate (with the development token: a curl command to try it).
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGINT/SIGTERM run onApplicationShutdown, which closes open MCP sessions and streams.
  app.enableShutdownHooks();
  // Loopback by default: an MCP server on 0.0.0.0 is reachable by anything on the network.
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  if (!usesJwt(app.get(ConfigService))) {
    Logger.log('Development token in use: set MCP_JWT_ISSUER to use your identity provider instead.', 'Bootstrap');
  }
}

void bootstrap();
