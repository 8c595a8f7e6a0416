import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { getMcpPrincipal } from './authentication/mcp-principal.js';
import { McpExecutionContext } from './execution/mcp-execution-context.js';

/**
 * `@nestjs/throttler`'s guard for MCP components, keyed by principal (sub + client) instead of IP, so one agent
 * cannot spend another's budget. It counts calls only (listing is free); over the limit the tool answers with an
 * error saying when to retry, and the handler does not run. Import it from `nestjs-mcp-auth/throttler`.
 * @example `@McpTool({ description: '…' }) @UseGuards(McpThrottlerGuard) @Throttle({ default: { limit: 5, ttl: 60_000 } })`
 */
@Injectable()
export class McpThrottlerGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (McpExecutionContext.isMcp(context)) {
      const mcp = McpExecutionContext.create(context);
      // Lists are free, and stdio has one caller and no request to key on.
      if (mcp.getPhase() === 'list' || mcp.getRequest() === undefined) return true;
    }
    return super.canActivate(context);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const auth = getMcpPrincipal(request);
    return auth ? `mcp:${auth.principal.sub}\u0000${auth.clientId ?? ''}` : super.getTracker(request);
  }

  protected override async getErrorMessage(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<string> {
    if (!McpExecutionContext.isMcp(context)) return super.getErrorMessage(context, detail);
    const seconds = Math.max(1, Math.ceil(detail.isBlocked ? detail.timeToBlockExpire : detail.timeToExpire));
    return `Too many requests: retry in ${seconds} s`;
  }

  /** A streamed (SSE) response has sent its headers already; rate-limit headers are then skipped. */
  protected override setResponseHeader(response: { headersSent?: boolean }, name: string, value: string | number): void {
    if (response?.headersSent) return;
    (ThrottlerGuard.prototype as unknown as { setResponseHeader: Function }).setResponseHeader.call(this, response, name, value);
  }
}
