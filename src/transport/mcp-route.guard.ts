import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { challengeFor } from '../authentication/mcp-auth.guard.js';
import { getMcpAuthResult, setMcpAuthResult, type McpAuthResult } from '../authentication/mcp-auth-result.js';
import { McpAuthenticationService } from '../authentication/mcp-authentication.service.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { McpOriginGuard } from './mcp-origin.guard.js';

/**
 * The MCP route's guard: the `Host`/`Origin` check (`McpOriginGuard`), then authentication exactly as `McpAuthGuard`
 * does it (same result stored on the request, same challenges). One guard rather than two, and synchronous whenever
 * authentication is (no credentials, a static token, a JWT already verified), which spares Nest's guard chain a
 * promise per request.
 */
@Injectable()
export class McpRouteGuard implements CanActivate {
  constructor(
    private readonly origin: McpOriginGuard,
    private readonly authentication: McpAuthenticationService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    this.origin.canActivate(context); // throws 403 when refused
    const request = context.getArgByIndex<unknown>(0);
    if (getMcpAuthResult(request)) return true; // already authenticated earlier in this request's guard chain
    const response = context.getArgByIndex<unknown>(1);
    let outcome: McpAuthResult | Promise<McpAuthResult>;
    try {
      outcome = this.authentication.resolve(this.authentication.fromHttp(request, response));
    } catch (error) {
      throw challengeFor(error, response, this.options, this.adapterHost);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => {
          setMcpAuthResult(request, result);
          return true;
        },
        (error: unknown) => {
          throw challengeFor(error, response, this.options, this.adapterHost);
        },
      );
    }
    setMcpAuthResult(request, outcome);
    return true;
  }
}
