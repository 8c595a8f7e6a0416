import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import { MCP_INVOCATION_INDEX, type McpInvocationState } from './mcp-invocation.js';

/**
 * @internal The last guard of a component whose chain holds guards of the app's: past it, a failure is the handler's
 * (a tool error), before it a denial. Stateless, so one instance serves every component.
 */
export class McpGuardsPassedMarker implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() === MCP_CONTEXT_TYPE) {
      context.getArgByIndex<McpInvocationState>(MCP_INVOCATION_INDEX).guardsPassed = true;
    }
    return true;
  }
}

export const MCP_GUARDS_PASSED = new McpGuardsPassedMarker();
