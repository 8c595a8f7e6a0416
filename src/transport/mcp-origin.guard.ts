import { ForbiddenException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JsonRpcCode } from '../execution/mcp-tool.error.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { jsonRpcError } from '../protocol/json-rpc.js';
import { isOriginAllowed } from './origin.policy.js';

/** Refuses (403) a request whose `Origin` is present and not allowed, before anything else runs on the MCP route. */
@Injectable()
export class McpOriginGuard implements CanActivate {
  private readonly allowed: readonly string[];

  constructor(@Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions) {
    this.allowed = options.http ? options.http.allowedOrigins : [];
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const origin = single(request.headers.origin);
    if (isOriginAllowed(origin, single(request.headers.host), this.allowed)) return true;
    throw new ForbiddenException(jsonRpcError(JsonRpcCode.ServerError, McpMessages.originNotAllowed()));
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
