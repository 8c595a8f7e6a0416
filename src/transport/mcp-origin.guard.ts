import type { IncomingMessage } from 'node:http';
import { ForbiddenException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpHttpOptions, McpResolvedOptions } from '../mcp-auth.options.js';
import { jsonRpcError } from '../protocol/json-rpc.js';
import { effectiveHost, isHostAllowed } from './host.policy.js';
import { isOriginAllowed } from './origin.policy.js';

/**
 * The first guard on the MCP route, against DNS rebinding: refuses (403) a request whose `Host` is not allowed, or
 * whose `Origin` is present and neither same-origin nor on the allow-list.
 */
@Injectable()
export class McpOriginGuard implements CanActivate {
  private readonly http?: Readonly<Required<McpHttpOptions>>;

  constructor(@Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions) {
    this.http = options.http || undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.http) return true;
    // `switchToHttp().getRequest()` is argument 0; reading it directly spares the per-call host object.
    const request = context.getArgByIndex<IncomingMessage | { raw: IncomingMessage }>(0);
    const raw = 'raw' in request ? request.raw : request;
    const host = effectiveHost(raw, this.http.trustedProxies);
    if (!isHostAllowed(host, raw.socket?.localAddress, this.http.allowedHosts)) {
      throw new ForbiddenException(jsonRpcError(JsonRpcCode.ServerError, McpMessages.hostNotAllowed()));
    }
    const origin = raw.headers.origin;
    if (isOriginAllowed(Array.isArray(origin) ? origin[0] : origin, host, this.http.allowedOrigins)) return true;
    throw new ForbiddenException(jsonRpcError(JsonRpcCode.ServerError, McpMessages.originNotAllowed()));
  }
}
