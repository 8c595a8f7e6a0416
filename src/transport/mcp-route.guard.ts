import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { McpAuthenticationGuard } from '../authentication/mcp-authentication.guard.js';
import { MCP_ROUTE_AUTH_GUARD } from '../mcp-auth.constants.js';
import { McpOriginGuard } from './mcp-origin.guard.js';

/**
 * The MCP route's guard: the `Host`/`Origin` check (`McpOriginGuard`), then authentication by the module's
 * `McpAuthenticationGuard` — or the app's subclass of it given as `authenticationGuard`, so its `getRequest`, `handleRequest`
 * and `challenge` hooks apply to the MCP route as to the app's own routes. Synchronous whenever authentication is.
 */
@Injectable()
export class McpRouteGuard implements CanActivate {
  constructor(
    private readonly origin: McpOriginGuard,
    @Inject(MCP_ROUTE_AUTH_GUARD) private readonly authentication: McpAuthenticationGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    this.origin.canActivate(context); // throws 403 when refused
    return this.authentication.canActivate(context);
  }
}
