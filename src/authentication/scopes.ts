import { McpAuthenticationError } from './mcp-authentication.error.js';
import type { McpPrincipal } from './mcp-principal.js';

/** Refuses (403 `insufficient_scope`) a result that lacks any of `required`. */
export function requireScopes(result: McpPrincipal, required: readonly string[] | undefined): void {
  if (!required?.length) return;
  if (required.every((scope) => result.scopes.includes(scope))) return;
  throw new McpAuthenticationError('insufficient_scope', undefined, required, result.scopes);
}
