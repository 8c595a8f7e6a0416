import { Injectable, IntrinsicException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { MCP_INVOCATION_INDEX } from '../execution/mcp-invocation.js';
import type { McpInvocationState } from '../execution/mcp-invocation.js';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import type { McpCheckOutcome } from './mcp-auth-check.js';

/** A denial by the component's checks, carried out of the guard chain to the dispatcher. */
export class McpAccessDenied extends IntrinsicException {
  constructor(readonly outcome: McpCheckOutcome) {
    super('access denied');
    this.name = 'McpAccessDenied';
  }
}

const stateOf = (context: ExecutionContext) =>
  context.getType<string>() === MCP_CONTEXT_TYPE ? context.getArgByIndex<McpInvocationState>(MCP_INVOCATION_INDEX) : undefined;

/**
 * Evaluates the server-wide checks, the class's `@McpAuth()` and the component's `auth:` — in the list phase and
 * the call phase alike. The module puts it on every component's guard chain, beside the app's own guards, so one
 * predicate decides both visibility and access. It holds no state: the invocation carries its component's checks.
 */
@Injectable()
export class McpAuthorizationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const state = stateOf(context);
    if (!state) return true; // not an MCP invocation: nothing for this guard to decide
    const outcome = state.authorize();
    return outcome instanceof Promise ? outcome.then(decide) : decide(outcome);
  }
}

function decide(outcome: McpCheckOutcome): boolean {
  if (!outcome.allowed) throw new McpAccessDenied(outcome);
  return true;
}

/**
 * What the module's two guards do, run directly: for a component whose guard chain holds nothing else (no guards of
 * the app's, no global ones), the Nest guard machinery around them would be pure overhead.
 */
export function runModuleGuards(state: McpInvocationState): void | Promise<void> {
  const passed = (outcome: McpCheckOutcome) => {
    decide(outcome);
    state.guardsPassed = true;
  };
  const outcome = state.authorize();
  return outcome instanceof Promise ? outcome.then(passed) : passed(outcome);
}

/** @internal The last guard of every component: past it, a failure is the handler's, not a denial. */
export class McpGuardsPassedMarker implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const state = stateOf(context);
    if (state) state.guardsPassed = true;
    return true;
  }
}

/** The shared instances placed in components' guard metadata (stateless, so one per process is enough). */
export const MCP_AUTHORIZATION_GUARD = new McpAuthorizationGuard();
export const MCP_GUARDS_PASSED = new McpGuardsPassedMarker();
