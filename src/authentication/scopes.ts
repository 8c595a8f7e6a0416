import { McpAuthError } from './mcp-auth.error.js';
import type { McpAuthResult } from './mcp-auth-result.js';

/** Refuses (403 `insufficient_scope`) a result that lacks any of `required`. */
export function requireScopes(result: McpAuthResult, required: readonly string[] | undefined): void {
  if (!required?.length) return;
  if (required.every((scope) => result.scopes.includes(scope))) return;
  throw new McpAuthError('insufficient_scope', undefined, required, result.scopes);
}
