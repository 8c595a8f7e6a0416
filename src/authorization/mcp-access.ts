import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/mcp-principal.js';
import type { McpContext } from '../execution/mcp-context.js';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import type { McpComponentInfo, McpInvocation, McpPhase } from '../execution/mcp-invocation.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { ALLOW, McpAuthorizationError, type McpAuthorizationContext, type McpCheckOutcome } from './mcp-authorization-check.js';
import { McpAudit } from './mcp-audit.js';
import { McpAuthorizer, type McpCompiledAuthorization } from './mcp-authorizer.js';
import { decisionKey, McpCallerCache } from './mcp-decision.cache.js';

/** What the decision site reads of a component (a registry entry has all of it). */
export interface McpAccessTarget {
  readonly info: McpComponentInfo;
  readonly authorization: McpCompiledAuthorization;
  /** The component's list-safe guards, run with its real class and method: true when every one allows. */
  readonly listGuards?: (invocation: McpInvocation) => Promise<boolean>;
  readonly onDenied?: 'hide' | 'challenge';
  /** `false`: hidden until a session enables it. */
  readonly enabled: boolean;
}

/** Who asks, and what the transport lets the answer be. */
export interface McpCaller {
  readonly principal: McpPrincipal;
  readonly context: McpContext;
  readonly request?: unknown;
  readonly response?: unknown;
  /** The session's overrides of which components are shown. */
  readonly visibility: { allows(component: McpAccessTarget): boolean };
  /** Whether a denial may become an HTTP 403 step-up challenge (Streamable HTTP only). */
  readonly canChallenge: boolean;
}

/** The one answer to "may this caller see / call this component". */
export type McpAccessDecision =
  | { readonly kind: 'allowed'; readonly outcome: McpCheckOutcome }
  /** Answered exactly like a component that does not exist. */
  | { readonly kind: 'hidden' }
  /** HTTP 403 `insufficient_scope` naming these scopes. */
  | { readonly kind: 'step-up'; readonly scopes: readonly string[] }
  /** An explicit `McpAuthorizationError`: the client reads its message. */
  | { readonly kind: 'refused'; readonly message: string };

export type McpDenial = Exclude<McpAccessDecision, { kind: 'allowed' }>;

/** What an app guard's failure during a call means: a denial, or a 4xx the caller reads (a throttler's 429). */
export type McpGuardFailure = McpDenial | { readonly kind: 'client-error'; readonly error: HttpException };

const HIDDEN: McpDenial = Object.freeze({ kind: 'hidden' });
const DENIED: McpCheckOutcome = Object.freeze({ allowed: false, scopeOnly: false, requiredScopes: [], failed: 'list-safe guard' });
const NOT_VISIBLE: McpCheckOutcome = Object.freeze({ ...DENIED, failed: 'session visibility' });

/**
 * The decision site. The list predicate — session visibility, the `auth:` checks, then the guards marked
 * `@McpListSafe()` — decides both what a caller sees in lists and whether a call is admitted; the call phase then
 * evaluates the checks with the validated arguments (unless the decision is pure and already made). Pure decisions
 * (built-in checks only, no list-safe guards) are cached per caller under `decisionKey`. Denials are classified here,
 * once: hidden, step-up or an explicit refusal.
 */
@Injectable()
export class McpAccess {
  private readonly decisions = new McpCallerCache<McpAccessTarget, McpCheckOutcome>();

  constructor(
    private readonly authorizer: McpAuthorizer,
    private readonly audit: McpAudit,
    private readonly errors: McpErrorMapper,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  /** A decision that depends only on what `decisionKey` encodes, and so may be cached and reused. */
  isPure(component: McpAccessTarget): boolean {
    return component.authorization.pure && !component.listGuards;
  }

  /** Shown to every caller alike: no check, no list-safe guard, enabled by default (its lists may be shared). */
  isUnconditional(component: McpAccessTarget): boolean {
    return component.enabled && !component.listGuards && component.authorization.checks.length === 0;
  }

  /** Whether the component appears in the caller's lists. */
  listed(component: McpAccessTarget, caller: McpCaller): boolean | Promise<boolean> {
    const outcome = this.predicate(component, caller);
    return outcome instanceof Promise ? outcome.then((o) => this.shows(component, caller, o)) : this.shows(component, caller, outcome);
  }

  /** Whether a call may proceed to argument validation; a denied call is recorded for the audit. */
  admit(component: McpAccessTarget, caller: McpCaller): McpAccessDecision | Promise<McpAccessDecision> {
    const outcome = this.predicate(component, caller);
    return outcome instanceof Promise ? outcome.then((o) => this.admission(component, caller, o)) : this.admission(component, caller, outcome);
  }

  /**
   * The call phase, after validation: a pure admission stands as it is (recorded for the audit); otherwise the checks
   * run again with the validated arguments.
   */
  authorize(component: McpAccessTarget, caller: McpCaller, args: unknown, admitted: McpAccessDecision): McpAccessDecision | Promise<McpAccessDecision> {
    if (this.isPure(component) && admitted.kind === 'allowed') {
      if (this.audit.enabled) this.recordCall(component, caller, admitted, admitted.outcome);
      return admitted;
    }
    const context = this.checkContext(component, caller, 'call', args);
    return this.authorizer.evaluate(component.authorization, context).then((outcome) => {
      const decision = this.classify(component, caller, outcome);
      if (this.audit.enabled) this.recordCall(component, caller, decision, outcome);
      return decision;
    });
  }

  /** An exception thrown by the app's guards during the call (before every guard passed). */
  guardFailure(error: unknown): McpGuardFailure {
    if (error instanceof McpAuthorizationError) return { kind: 'refused', message: error.message };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status !== 401 && status !== 403 && status < 500) return { kind: 'client-error', error };
    }
    // A guard's false, 401/403 or any other failure hides: no existence oracle, and no log line for a denial.
    return HIDDEN;
  }

  /** The predicate's raw outcome: cached when pure. */
  private predicate(component: McpAccessTarget, caller: McpCaller): McpCheckOutcome | Promise<McpCheckOutcome> {
    if (!caller.visibility.allows(component)) return NOT_VISIBLE;
    if (!this.isPure(component)) return this.evaluateListPhase(component, caller);
    const key = decisionKey(caller.principal);
    const cached = this.decisions.get(key, component);
    if (cached) return cached;
    return this.authorizer.evaluate(component.authorization, this.checkContext(component, caller, 'list')).then((outcome) => {
      this.decisions.set(key, component, outcome);
      return outcome;
    });
  }

  private async evaluateListPhase(component: McpAccessTarget, caller: McpCaller): Promise<McpCheckOutcome> {
    const outcome = await this.authorizer.evaluate(component.authorization, this.checkContext(component, caller, 'list'));
    if (!component.listGuards) return outcome;
    // A component that would answer with a step-up challenge is listed to callers lacking only scopes: its list-safe
    // guards decide that too, so a caller they refuse never learns it exists.
    const stepUpCandidate = !outcome.allowed && outcome.scopeOnly && outcome.message === undefined;
    if (!outcome.allowed && !stepUpCandidate) return outcome;
    try {
      const passed = await component.listGuards(this.invocation(component, caller, 'list'));
      if (!passed) return DENIED;
      return outcome.allowed ? ALLOW : outcome;
    } catch (error) {
      if (error instanceof McpAuthorizationError) return { ...DENIED, failed: 'McpAuthorizationError', message: error.message };
      if (!(error instanceof HttpException)) this.errors.mask(error, `list-safe guard of ${component.info.handler}`);
      return DENIED;
    }
  }

  /**
   * Listed when allowed, and also when only scopes are missing on a component that answers with a step-up challenge:
   * a client must know the tool to be told which scopes it needs. An explicit refusal's message is for calls only.
   */
  private shows(component: McpAccessTarget, caller: McpCaller, outcome: McpCheckOutcome): boolean {
    if (outcome.allowed) {
      if (this.audit.enabled) this.audit.record(caller.principal, component.info, 'list', 'listed', outcome);
      return true;
    }
    const stepUp = outcome.message === undefined ? this.stepUpScopes(component, caller, outcome) : undefined;
    if (this.audit.enabled) this.audit.record(caller.principal, component.info, 'list', stepUp ? 'listed' : 'hidden', outcome, stepUp);
    return stepUp !== undefined;
  }

  private admission(component: McpAccessTarget, caller: McpCaller, outcome: McpCheckOutcome): McpAccessDecision {
    const decision = this.classify(component, caller, outcome);
    // An admitted call is recorded once authorized; a refused one ends here.
    if (decision.kind !== 'allowed' && this.audit.enabled) this.recordCall(component, caller, decision, outcome);
    return decision;
  }

  private recordCall(component: McpAccessTarget, caller: McpCaller, decision: McpAccessDecision, outcome: McpCheckOutcome): void {
    const stepUp = decision.kind === 'step-up' ? decision.scopes : undefined;
    this.audit.record(caller.principal, component.info, 'call', decision.kind, outcome, stepUp);
  }

  private classify(component: McpAccessTarget, caller: McpCaller, outcome: McpCheckOutcome): McpAccessDecision {
    if (outcome.allowed) return { kind: 'allowed', outcome };
    if (outcome.message !== undefined) return { kind: 'refused', message: outcome.message };
    const scopes = this.stepUpScopes(component, caller, outcome);
    return scopes ? { kind: 'step-up', scopes } : HIDDEN;
  }

  private stepUpScopes(component: McpAccessTarget, caller: McpCaller, outcome: McpCheckOutcome): readonly string[] | undefined {
    const mode = component.onDenied ?? this.options.onDenied;
    if (mode !== 'challenge' || !caller.canChallenge || !outcome.scopeOnly || !outcome.requiredScopes.length) return undefined;
    return outcome.requiredScopes;
  }

  private checkContext(component: McpAccessTarget, caller: McpCaller, phase: McpPhase, args?: unknown): McpAuthorizationContext {
    return { auth: caller.principal, component: component.info, phase, arguments: args, request: caller.request };
  }

  private invocation(component: McpAccessTarget, caller: McpCaller, phase: McpPhase): McpInvocation {
    return { component: component.info, phase, principal: caller.principal, context: caller.context };
  }
}
