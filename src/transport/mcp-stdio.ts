import type { Readable, Writable } from 'node:stream';
import { ConsoleLogger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { ANONYMOUS } from '../authentication/mcp-auth-result.js';
import { McpMessages } from '../mcp-auth.messages.js';
import { connectStdio, type McpStdioConnection } from '../protocol/mcp-stdio.server.js';
import { McpProtocol } from '../protocol/mcp-protocol.js';

/** A Nest logger that writes every level to stderr: over stdio, stdout belongs to the protocol. */
export class McpStdioLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    _writeStreamType?: 'stdout' | 'stderr',
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

export interface McpStdioOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** Close the application when the client closes the connection. Default `true`. */
  closeAppOnExit?: boolean;
}

/**
 * Serves the app's MCP components over stdio.
 * @example
 * ```ts
 * const app = await NestFactory.createApplicationContext(AppModule, { logger: new McpStdioLogger() });
 * await runMcpStdio(app);
 * ```
 */
export async function runMcpStdio(app: INestApplicationContext, options: McpStdioOptions = {}): Promise<McpStdioConnection> {
  let protocol: McpProtocol;
  try {
    protocol = app.get(McpProtocol, { strict: false });
  } catch {
    throw new Error(McpMessages.stdioRequiresContext());
  }
  app.useLogger(new McpStdioLogger());
  const connection = await connectStdio(protocol, { transport: 'stdio', principal: ANONYMOUS, session: {} }, options);
  if (options.closeAppOnExit !== false) void connection.closed.then(() => app.close());
  return connection;
}
