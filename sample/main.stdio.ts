import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { McpStdioLogger, runMcpStdio } from 'nestjs-mcp-auth';
import { AppModule } from './app.module.js';

/**
 * stdio entry: an MCP client starts this process and speaks JSON-RPC over its stdin/stdout. stdout belongs to
 * the protocol, so the logger writes everything to stderr, and no HTTP server is created.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: new McpStdioLogger() });
  // Resolves once connected; the app closes itself when the client closes stdin.
  await runMcpStdio(app);
}

void bootstrap();
