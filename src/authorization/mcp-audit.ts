import { Inject, Injectable, Logger } from '@nestjs/common';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import type { McpPhase } from '../execution/mcp-invocation.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import type { McpPrincipal } from '../authentication/mcp-principal.js';
import type { McpComponentInfo } from '../execution/mcp-invocation.js';
import type { McpAuthorizationDecision, McpCheckOutcome, McpDecisionOutcome } from './mcp-authorization-check.js';

/**
 * The audit trail of authorization decisions: the `onAuthDecision` hook and, with `logging.authDecisions`, an
 * `mcp.auth.decision` line per decision. Off by default; callers test `enabled` first, so nothing is built then.
 */
@Injectable()
export class McpAudit {
  /** Whether anyone listens: when false, `record` must not be called (and no record is built). */
  readonly enabled: boolean;
  private readonly logger = new Logger('McpAuthModule');

  constructor(
    private readonly errors: McpErrorMapper,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {
    this.enabled = !!options.onAuthDecision || options.logging.authDecisions;
  }

  /** Records what the caller got; `checks` is the raw outcome of the checks, `stepUp` the scopes a challenge names. */
  record(
    principal: McpPrincipal,
    component: McpComponentInfo,
    phase: McpPhase,
    outcome: McpDecisionOutcome,
    checks: McpCheckOutcome,
    stepUp?: readonly string[],
  ): void {
    const decision: McpAuthorizationDecision = {
      sub: principal.principal.sub,
      ...(principal.clientId !== undefined && { clientId: principal.clientId }),
      component: { kind: component.kind, name: component.name },
      phase,
      outcome,
      allowed: outcome === 'listed' || outcome === 'allowed',
      ...(!checks.allowed && checks.failed !== undefined && { check: checks.failed }),
      ...(stepUp && { stepUp: { scopes: stepUp } }),
    };
    if (this.options.logging.authDecisions) this.logger.log(JSON.stringify({ event: 'mcp.auth.decision', ...decision }));
    const hook = this.options.onAuthDecision;
    if (hook) {
      try {
        hook(decision);
      } catch (error) {
        this.errors.mask(error, 'onAuthDecision hook');
      }
    }
  }
}
