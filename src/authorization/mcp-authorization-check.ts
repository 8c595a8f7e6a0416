import type { Type } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/mcp-principal.js';
import type { McpComponentInfo, McpPhase } from '../execution/mcp-invocation.js';

/** What a check sees: who calls, which component, in which phase, and (when calling) the validated arguments. */
export interface McpAuthorizationContext {
  readonly auth: McpPrincipal;
  readonly component: McpComponentInfo;
  readonly phase: McpPhase;
  /** Validated arguments; absent while listing. */
  readonly arguments?: unknown;
  /** The HTTP request; undefined over stdio. */
  readonly request?: unknown;
}

/** A custom check: `true` allows. Throw `McpAuthorizationError` to deny with a message the client sees. */
export type McpCheckFn = (context: McpAuthorizationContext) => boolean | Promise<boolean>;

/**
 * An injectable check class (a policy that asks a repository, say). It must be a provider of some module.
 * @example
 * ```ts
 * @Injectable()
 * class NoteOwnerCheck implements McpCheckHandler {
 *   constructor(private readonly notes: NotesService) {}
 *   check({ auth, phase, arguments: args }: McpAuthorizationContext) {
 *     return phase === 'list' || this.notes.ownerOf((args as { id: number }).id) === auth.principal.sub;
 *   }
 * }
 * ```
 */
export interface McpCheckHandler {
  check(context: McpAuthorizationContext): boolean | Promise<boolean>;
}

/** The outcome of evaluating a check. */
export interface McpCheckOutcome {
  readonly allowed: boolean;
  /** True when every failing check was a scope check (so step-up can ask for more scopes). */
  readonly scopeOnly: boolean;
  /** Scopes whose absence caused the denial. */
  readonly requiredScopes: readonly string[];
  /** Which check denied, for audit logs. */
  readonly failed?: string;
  /** A message from `McpAuthorizationError`, sent to the client. */
  readonly message?: string;
}

export const MCP_CHECK = Symbol('McpCheck');

/** A built-in check: carries its scopes so challenges and `scopes_supported` can name them. */
export interface McpBuiltinCheck {
  readonly [MCP_CHECK]: true;
  readonly label: string;
  /** Every scope the check names. */
  readonly scopes: readonly string[];
  readonly children?: readonly McpAuthorizationCheck[];
  evaluate(context: McpAuthorizationContext, run: (check: McpAuthorizationCheck) => Promise<McpCheckOutcome>): Promise<McpCheckOutcome> | McpCheckOutcome;
}

/** What `auth:` and `@McpAuthorize()` accept. An array means all of them. */
export type McpAuthorizationCheck = McpBuiltinCheck | McpCheckFn | Type<McpCheckHandler> | readonly McpAuthorizationCheck[];

export const ALLOW: McpCheckOutcome = Object.freeze({ allowed: true, scopeOnly: false, requiredScopes: [] });

export function isBuiltinCheck(value: unknown): value is McpBuiltinCheck {
  return typeof value === 'object' && value !== null && (value as McpBuiltinCheck)[MCP_CHECK] === true;
}

/**
 * Thrown by a check (or a guard) to deny with a message the client sees, instead of hiding the component.
 * @example `throw new McpAuthorizationError('Notes can be deleted by their owner only')`
 */
export class McpAuthorizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpAuthorizationError';
  }
}

/**
 * What a caller got from one authorization decision. Lists: `listed` or `hidden`. Calls: `allowed`, `hidden` (answered
 * like an unknown component), `step-up` (HTTP 403 `insufficient_scope`) or `refused` (an `McpAuthorizationError`'s
 * message).
 */
export type McpDecisionOutcome = 'listed' | 'hidden' | 'allowed' | 'step-up' | 'refused';

/** One authorization decision, as the audit log and the `onAuthDecision` hook receive it (never a token). */
export interface McpAuthorizationDecision {
  readonly sub: string;
  readonly clientId?: string;
  readonly component: { readonly kind: McpComponentInfo['kind']; readonly name: string };
  readonly phase: McpPhase;
  readonly outcome: McpDecisionOutcome;
  /**
   * Whether the caller sees (list) or may run (call) the component. A component that answers with step-up is
   * listed although its checks failed: `allowed: true`, `outcome: 'listed'`, with `stepUp` and `check` set.
   */
  readonly allowed: boolean;
  /** The check that denied (absent when every check allowed). */
  readonly check?: string;
  /** The scopes a step-up challenge names (the component answers calls with 403 `insufficient_scope`). */
  readonly stepUp?: { readonly scopes: readonly string[] };
}
