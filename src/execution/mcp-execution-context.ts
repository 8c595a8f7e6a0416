import type { ExecutionContext } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/mcp-principal.js';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import type { McpContext } from './mcp-context.js';
import { MCP_INVOCATION_INDEX, type McpComponentInfo, type McpInvocation, type McpPhase } from './mcp-invocation.js';

/**
 * The MCP view of a Nest `ExecutionContext`, for guards, interceptors and filters (like `GqlExecutionContext`).
 * @example
 * ```ts
 * canActivate(ctx: ExecutionContext) {
 *   const mcp = McpExecutionContext.create(ctx);
 *   return mcp.getPrincipal().scopes.includes('notes:write');
 * }
 * ```
 */
export class McpExecutionContext {
  private constructor(
    private readonly context: ExecutionContext,
    private readonly invocation: McpInvocation,
  ) {}

  /** Throws when the context is not an MCP one (an ordinary HTTP route, say): check `isMcp(ctx)` first in shared guards. */
  static create(context: ExecutionContext): McpExecutionContext {
    if (!McpExecutionContext.isMcp(context)) {
      throw new Error(`McpExecutionContext.create: the context type is "${context.getType()}", not "${MCP_CONTEXT_TYPE}".`);
    }
    return new McpExecutionContext(context, context.getArgByIndex<McpInvocation>(MCP_INVOCATION_INDEX));
  }

  static isMcp(context: ExecutionContext): boolean {
    return context.getType<string>() === MCP_CONTEXT_TYPE;
  }

  getComponent(): McpComponentInfo {
    return this.invocation.component;
  }
  getPhase(): McpPhase {
    return this.invocation.phase;
  }
  getArgs<T = unknown>(): T | undefined {
    return this.invocation.arguments as T | undefined;
  }
  getPrincipal<TClaims extends object = Record<string, unknown>>(): McpPrincipal<TClaims> {
    return this.invocation.principal as McpPrincipal<TClaims>;
  }
  getContext(): McpContext {
    return this.invocation.context;
  }
  /** The HTTP request, or undefined over stdio. */
  getRequest<T = unknown>(): T | undefined {
    return this.context.getArgByIndex<T>(0) ?? undefined;
  }
  getExecutionContext(): ExecutionContext {
    return this.context;
  }
}
