import type { ConfigService } from '@nestjs/config';
import type { McpAuthModuleOptions } from 'nestjs-mcp-auth';

/** The MCP route (MCP_PATH, default `/mcp`); main.ts prints the endpoint URL with it. */
export const mcpPath = (config: ConfigService): string => config.get('MCP_PATH', '/mcp');

/**
 * The McpAuthModule options, from the environment. Invalid values (an unknown MCP_MODE, a malformed origin)
 * stop the app at startup with a message naming the option.
 */
export function mcpOptions(config: ConfigService): McpAuthModuleOptions {
  return {
    name: 'notes',
    version: '1.0.0',
    title: 'Notes',
    instructions: 'An in-memory notebook. Find notes with list-notes or the notes://index resource before changing them.',
    http: {
      path: mcpPath(config),
      mode: config.get('MCP_MODE', 'stateless'),
      // Comma-separated browser origins allowed to call the endpoint, e.g. http://localhost:6274
      allowedOrigins: config
        .get<string>('MCP_ALLOWED_ORIGINS', '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    },
    // A public demo on loopback: callers without credentials run as ANONYMOUS. A real server configures
    // `authenticate` instead (see the README's Authentication section).
    allowAnonymous: true,
    // MCP_MASK_ERRORS=false shows unexpected errors' messages to clients: for development only.
    maskErrorDetails: config.get('MCP_MASK_ERRORS', 'true') !== 'false',
  };
}
