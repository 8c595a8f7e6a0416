import { HttpException, HttpStatus } from '@nestjs/common';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { McpMessages } from '../mcp-auth.messages.js';
import { jsonRpcError } from '../protocol/json-rpc.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';

export interface McpChallenge {
  readonly status: number;
  /** The `WWW-Authenticate` header value. */
  readonly header: string;
  readonly exception: HttpException;
}

const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/**
 * Builds RFC 6750 §3 challenges with the MCP authorization spec's `resource_metadata` (RFC 9728 §5.1):
 * no credentials → 401 without `error`; bad token → 401 `invalid_token`; missing scope → 403 `insufficient_scope`
 * with the scopes to ask for (granted ∪ required, so re-authorizing loses nothing); malformed → 400.
 */
export function buildChallenge(
  error: McpAuthenticationError | undefined,
  params: { resourceMetadataUrl?: string; scopes?: readonly string[] },
): McpChallenge {
  const parts: string[] = [];
  let status: number = HttpStatus.UNAUTHORIZED;
  let message = McpMessages.unauthorized();
  let scopes = params.scopes ?? [];
  if (error) {
    parts.push(`error=${quote(error.code)}`, `error_description=${quote(error.description)}`);
    if (error.code === 'insufficient_scope') {
      status = HttpStatus.FORBIDDEN;
      message = McpMessages.insufficientScope();
      scopes = [...new Set([...error.grantedScopes, ...error.requiredScopes])];
    } else if (error.code === 'invalid_request') {
      status = HttpStatus.BAD_REQUEST;
      message = McpMessages.invalidAuthorization();
    } else {
      message = McpMessages.invalidToken();
    }
  }
  if (params.resourceMetadataUrl) parts.push(`resource_metadata=${quote(params.resourceMetadataUrl)}`);
  if (scopes.length && (!error || error.code === 'insufficient_scope')) parts.push(`scope=${quote(scopes.join(' '))}`);
  const header = parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
  return { status, header, exception: new HttpException(jsonRpcError(JsonRpcCode.ServerError, message), status) };
}
