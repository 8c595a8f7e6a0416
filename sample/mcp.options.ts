import type { ConfigService } from '@nestjs/config';
import { McpJwt, McpStaticTokens, type McpAuthenticatorSpec, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { NOTES_SCOPES } from './notes/notes.scopes.js';

/** The MCP route (MCP_PATH, default `/mcp`). */
export const mcpPath = (config: ConfigService): string => config.get('MCP_PATH', '/mcp');

/** The development token (MCP_DEV_TOKEN overrides it). Static tokens refuse to start with NODE_ENV=production. */
export const devToken = (config: ConfigService): string => config.get('MCP_DEV_TOKEN', 'notes-dev-token');

/** Whether a real issuer is configured: then tokens are JWTs verified against its JWKS. */
export const usesJwt = (config: ConfigService): boolean => !!config.get<string>('MCP_JWT_ISSUER');

/**
 * The canonical URL of the MCP endpoint (MCP_RESOURCE): the audience tokens must carry. It defaults to the loopback
 * URL this sample listens on; set it to the public URL behind a proxy.
 */
export const resourceUrl = (config: ConfigService): string =>
  config.get('MCP_RESOURCE', `http://127.0.0.1:${config.get('PORT', '3000')}${mcpPath(config)}`);

/**
 * How callers authenticate. With MCP_JWT_ISSUER (and MCP_JWT_JWKS_URI, default `<issuer>/.well-known/jwks.json`):
 * JWT access tokens from that issuer, bound to MCP_RESOURCE. Without: one static development token holding every
 * scope the notes components ask for.
 */
function authenticators(config: ConfigService): McpAuthenticatorSpec[] {
  const issuer = config.get<string>('MCP_JWT_ISSUER');
  if (issuer) {
    const jwksUri = config.get('MCP_JWT_JWKS_URI', `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
    const audience = config.get<string>('MCP_JWT_AUDIENCE');
    return [McpJwt({ issuer, jwksUri, ...(audience && { audience }) })];
  }
  return [
    McpStaticTokens({
      tokens: { [devToken(config)]: { principal: { sub: 'developer' }, scopes: [...NOTES_SCOPES], roles: ['editor'] } },
    }),
  ];
}

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
    resource: resourceUrl(config),
    authenticate: authenticators(config),
    // Over stdio a token in MCP_ACCESS_TOKEN is verified like an HTTP one; without it, in development, the
    // connection runs as the developer.
    stdio: usesJwt(config) ? {} : { principal: { principal: { sub: 'developer' }, scopes: [...NOTES_SCOPES], roles: ['editor'] } },
    // MCP_ONDENIED=challenge answers scope denials with 403 insufficient_scope (step-up) instead of hiding.
    onDenied: config.get('MCP_ONDENIED', 'hide'),
    // MCP_MASK_ERRORS=false shows unexpected errors' messages to clients: for development only.
    maskErrorDetails: config.get('MCP_MASK_ERRORS', 'true') !== 'false',
  };
}
