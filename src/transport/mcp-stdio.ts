import type { Readable, Writable } from 'node:stream';
import { ConsoleLogger, Logger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { ANONYMOUS, toMcpPrincipal, type McpPrincipal } from '../authentication/mcp-principal.js';
import { McpAuthenticationService } from '../authentication/mcp-authentication.service.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import { McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import { McpSubscriptions } from '../protocol/mcp-subscriptions.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { connectStdio, type McpStdioConnection } from '../protocol/mcp-stdio.server.js';
import { McpProtocol } from '../protocol/mcp-protocol.js';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { describeServer } from './mcp-startup.log.js';

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
  /** Where the access token is read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * stdio has no HTTP authorization flow (MCP spec), but never skips authentication silently: a token from the
 * environment, verified by the same authenticators, else the explicit `stdio.principal`, else (when the app
 * allows it) the anonymous principal; otherwise startup fails.
 */
async function stdioPrincipal(
  app: INestApplicationContext,
  options: McpResolvedOptions,
  env: Record<string, string | undefined>,
): Promise<{ principal: McpPrincipal; from: string }> {
  const token = env[options.stdio.tokenEnv];
  if (token) {
    if (!options.authenticate.length) throw new Error(McpMessages.stdioTokenUnverifiable(options.stdio.tokenEnv));
    const authentication = app.get(McpAuthenticationService, { strict: false });
    try {
      const principal = await authentication.authenticate({
        token,
        headers: { authorization: `Bearer ${token}` },
        transport: 'stdio',
      });
      return { principal, from: `the token in ${options.stdio.tokenEnv}` };
    } catch {
      throw new Error(McpMessages.stdioTokenRefused(options.stdio.tokenEnv));
    }
  }
  if (options.stdio.principal) return { principal: toMcpPrincipal(options.stdio.principal, 'stdio'), from: 'stdio.principal' };
  if (options.allowAnonymous) return { principal: ANONYMOUS, from: 'allowAnonymous' };
  throw new Error(McpMessages.stdioNoPrincipal(options.stdio.tokenEnv));
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
  const resolved = app.get<McpResolvedOptions>(MCP_RESOLVED_OPTIONS, { strict: false });
  const { principal, from } = await stdioPrincipal(app, resolved, options.env ?? process.env);
  const errors = app.get(McpErrorMapper, { strict: false });
  const subscriptions = app.get(McpSubscriptions, { strict: false });
  const session = { visibility: new McpSessionVisibility() };
  const connection = await connectStdio(protocol, errors, subscriptions, { transport: 'stdio', principal, session }, options);
  if (resolved.logging.startup) {
    const registry = app.get(McpRegistry, { strict: false });
    new Logger('McpAuthModule').log(
      `MCP server ${resolved.name} ${resolved.version} on stdio, as ${principal.principal.sub} (from ${from}): ${describeServer(registry, resolved)}`,
    );
  }
  if (options.closeAppOnExit !== false) void connection.closed.then(() => app.close());
  return connection;
}
