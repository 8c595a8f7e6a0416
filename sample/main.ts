import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { mcpPath } from './mcp.options.js';

/** HTTP entry: serves the notes MCP server over Streamable HTTP. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGINT/SIGTERM run onApplicationShutdown, which closes open MCP sessions and streams.
  app.enableShutdownHooks();
  // Loopback by default: an MCP server on 0.0.0.0 is reachable by anything on the network.
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(Number(process.env.PORT ?? 3000), host);
  const url = new URL(mcpPath(app.get(ConfigService)), await app.getUrl());
  Logger.log(`MCP endpoint: ${url.href}`, 'Bootstrap');
}

void bootstrap();
