import { HttpException, Injectable, NotFoundException } from '@nestjs/common';
import { McpAccessDenied } from '../authorization/mcp-authorization.guard.js';
import { McpAuthorizationError, type McpAuthContext, type McpCheckOutcome } from '../authorization/mcp-auth-check.js';
import { McpAuthorizer } from '../authorization/mcp-authorizer.js';
import type { McpComponent } from '../discovery/mcp-component.js';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import {
  MCP_REQUEST_STATE,
  MCP_SEND,
  type McpContextInternals,
  type McpRequestState,
} from '../protocol/mcp-request-state.js';
import { Inject } from '@nestjs/common';
import { withRawResult } from '../protocol/json-rpc.js';
import type { McpContext, McpSession, McpVisibilityFilter } from './mcp-context.js';
import { McpErrorMapper } from './mcp-error.mapper.js';
import { MCP_PROBE_PASSED, McpHandlerFactory } from './mcp-handler.factory.js';
import type { McpInvocationState, McpPhase } from './mcp-invocation.js';
import { toPromptResult, toResourceResult, toToolError, toToolResult } from './mcp-result.mapper.js';
import { DEFAULT_VISIBILITY, type McpSessionVisibility } from './mcp-session-visibility.js';
import { JsonRpcCode, McpProtocolError } from './mcp-tool.error.js';

type Json = Record<string, unknown>;
type Family = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

const LIST_KEY: Record<Family, string> = {
  tools: 'tools',
  resources: 'resources',
  resourceTemplates: 'resourceTemplates',
  prompts: 'prompts',
};
const LIST_CHANGED: Record<Family, string> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};
const HIDDEN: McpCheckOutcome = Object.freeze({ allowed: false, scopeOnly: false, requiredScopes: [], failed: 'hidden' });
const MAX_CACHE_KEYS = 1024;

/** An admitted call's pure decision, or undefined when the call phase must evaluate its checks again. */
type McpAdmission = McpCheckOutcome | undefined;

const internals = (context: McpContext) => context as unknown as McpContextInternals;
const stateOf = (context: McpContext): McpRequestState | undefined => internals(context)[MCP_REQUEST_STATE];

/**
 * The MCP operations, free of any protocol library. One predicate decides both lists and calls: the component's
 * guard chain (the module's authorization guard plus the app's guards). Lists of components whose decision depends
 * only on the caller's scopes and roles are cached per scope set; a denied call answers exactly like a missing one.
 */
@Injectable()
export class McpDispatcher {
  private readonly decisions = new Map<string, Map<McpComponent, McpCheckOutcome>>();
  private readonly lists = new Map<string, Json>();
  private globalGuards?: boolean;

  constructor(
    private readonly registry: McpRegistry,
    private readonly errors: McpErrorMapper,
    private readonly authorizer: McpAuthorizer,
    private readonly handlers: McpHandlerFactory,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  listTools(context: McpContext): Promise<Json> {
    return this.list('tools', context);
  }

  listResources(context: McpContext): Promise<Json> {
    return this.list('resources', context);
  }

  listResourceTemplates(context: McpContext): Promise<Json> {
    return this.list('resourceTemplates', context);
  }

  listPrompts(context: McpContext): Promise<Json> {
    return this.list('prompts', context);
  }

  async callTool(name: string, rawArguments: unknown, context: McpContext): Promise<Json> {
    const component = this.registry.tools.get(name);
    const notFound = () => new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownTool(name));
    if (!component) throw notFound();
    const admission = this.admit(component, context, notFound);
    const admitted = admission instanceof Promise ? await admission : admission;
    const validation = component.validator.validate(rawArguments);
    const checked = validation instanceof Promise ? await validation : validation;
    // SEP-1303: invalid arguments are a tool result the model can read and correct, not a protocol error.
    if (!checked.ok) return toToolError(McpMessages.invalidArguments(checked.errors));
    const invocation = this.invocation(component, context, 'call', checked.value, undefined, admitted);
    try {
      return toToolResult(await component.invoke(invocation));
    } catch (error) {
      const denial = this.guardFailure(component, invocation, error, context, notFound);
      if (denial) return toToolError(denial);
      const client = this.errors.toClient(error, component.info.handler);
      return toToolError(client.message, client.details);
    }
  }

  async readResource(uri: string, context: McpContext): Promise<Json> {
    const notFound = () => new McpProtocolError(JsonRpcCode.ResourceNotFound, McpMessages.unknownResource(uri));
    const found = this.registry.findResource(uri);
    if (!found) throw notFound();
    const { component, variables } = found;
    const admission = this.admit(component, context, notFound);
    const admitted = admission instanceof Promise ? await admission : admission;
    const validation = component.validator.validate(variables ?? {});
    const checked = validation instanceof Promise ? await validation : validation;
    if (!checked.ok) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.invalidArguments(checked.errors));
    const value = await this.run(component, this.invocation(component, context, 'call', checked.value, uri, admitted), context, notFound);
    return toResourceResult(value, uri, component.mimeType);
  }

  async getPrompt(name: string, rawArguments: unknown, context: McpContext): Promise<Json> {
    const notFound = () => new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownPrompt(name));
    const component = this.registry.prompts.get(name);
    if (!component) throw notFound();
    const admission = this.admit(component, context, notFound);
    const admitted = admission instanceof Promise ? await admission : admission;
    const validation = component.validator.validate(rawArguments);
    const checked = validation instanceof Promise ? await validation : validation;
    if (!checked.ok) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.invalidArguments(checked.errors));
    const value = await this.run(component, this.invocation(component, context, 'call', checked.value, undefined, admitted), context, notFound);
    return toPromptResult(value, component.description);
  }

  /** The `McpSession` handle of a request that has a session. */
  session(context: McpContext): McpSession | undefined {
    const session = stateOf(context)?.session;
    if (!session) return undefined;
    const change = async (mutate: (v: McpSessionVisibility) => void) => {
      const before = await this.visibleNames(context);
      mutate(session.visibility);
      const after = await this.visibleNames(context);
      const sent = new Set<string>();
      for (const family of Object.keys(before) as Family[]) {
        const method = LIST_CHANGED[family];
        if (sent.has(method) || sameSet(before[family], after[family])) continue;
        sent.add(method);
        const message = { jsonrpc: '2.0' as const, method };
        if (!session.notify?.(message)) await internals(context)[MCP_SEND](message);
      }
    };
    return {
      id: session.id,
      enable: (filter: McpVisibilityFilter) => change((v) => v.enable(filter)),
      disable: (filter: McpVisibilityFilter) => change((v) => v.disable(filter)),
      reset: () => change((v) => v.reset()),
    };
  }

  /**
   * Before arguments are even validated, a component the caller may not see answers like a missing one. Returns the
   * decision when it is pure (it cannot change with the arguments, so the call phase reuses it); synchronous when
   * that decision is cached.
   */
  private admit(component: McpComponent, context: McpContext, notFound: () => McpProtocolError): McpAdmission | Promise<McpAdmission> {
    const outcome = this.visible(component, context);
    return outcome instanceof Promise
      ? outcome.then((o) => this.admitted(component, context, o, notFound))
      : this.admitted(component, context, outcome, notFound);
  }

  private admitted(component: McpComponent, context: McpContext, outcome: McpCheckOutcome, notFound: () => McpProtocolError): McpAdmission {
    if (!outcome.allowed) {
      // The decision may come from the cache: the denied call is still audited.
      this.authorizer.audit(this.authContext(component, context, 'call'), outcome);
      throw this.denied(component, outcome, context, notFound);
    }
    return this.isPure(component) ? outcome : undefined;
  }

  /** The one predicate, in the list phase: session visibility, then the guard chain (cached when pure). */
  private visible(component: McpComponent, context: McpContext, key?: string): McpCheckOutcome | Promise<McpCheckOutcome> {
    if (!this.visibility(context).allows(component)) return HIDDEN;
    if (this.isPure(component)) {
      key ??= principalKey(context);
      let byComponent = this.decisions.get(key);
      if (!byComponent) {
        if (this.decisions.size >= MAX_CACHE_KEYS) this.decisions.clear();
        byComponent = new Map();
        this.decisions.set(key, byComponent);
      }
      const cached = byComponent.get(component);
      if (cached) return cached;
      const decided = byComponent;
      return this.authorizer.evaluate(component.authorization, this.authContext(component, context, 'list')).then((outcome) => {
        decided.set(component, outcome);
        return outcome;
      });
    }
    return this.probe(component, context);
  }

  /** Runs the component's guard chain without its handler: passing it means visible. */
  private async probe(component: McpComponent, context: McpContext): Promise<McpCheckOutcome> {
    try {
      const passed = await component.probe(this.invocation(component, context, 'list'));
      return passed === MCP_PROBE_PASSED ? { allowed: true, scopeOnly: false, requiredScopes: [] } : HIDDEN;
    } catch (error) {
      // A guard that denies or throws while listing hides the component; it never fails the whole list.
      if (error instanceof McpAccessDenied) return error.outcome;
      if (error instanceof McpAuthorizationError) return { ...HIDDEN, message: error.message };
      if (!(error instanceof HttpException)) this.errors.mask(error, `guard of ${component.info.handler} while listing`);
      return HIDDEN;
    }
  }

  private async list(family: Family, context: McpContext): Promise<Json> {
    const components = [...this.registry[family].values()];
    const key = principalKey(context);
    const cacheable = this.visibility(context).isDefault && components.every((c) => this.isPure(c));
    const cacheKey = cacheable ? `${family}\u0000${key}` : undefined;
    const cached = cacheKey && this.lists.get(cacheKey);
    if (cached) return cached;
    const visible: unknown[] = [];
    for (const component of components) {
      const outcome = this.visible(component, context, key);
      if (this.listed(component, outcome instanceof Promise ? await outcome : outcome)) visible.push(component.descriptor);
    }
    const result = { [LIST_KEY[family]]: visible };
    if (cacheKey) {
      if (this.lists.size >= MAX_CACHE_KEYS) this.lists.clear();
      // Cached lists are also serialized once: a repeated list costs no JSON.stringify.
      this.lists.set(cacheKey, withRawResult(result));
    }
    return result;
  }

  private async visibleNames(context: McpContext): Promise<Record<Family, Set<string>>> {
    const out = {} as Record<Family, Set<string>>;
    const key = principalKey(context);
    for (const family of ['tools', 'resources', 'resourceTemplates', 'prompts'] as Family[]) {
      out[family] = new Set();
      for (const component of this.registry[family].values()) {
        const outcome = this.visible(component, context, key);
        if (this.listed(component, outcome instanceof Promise ? await outcome : outcome)) out[family].add(component.info.name);
      }
    }
    return out;
  }

  /**
   * Listed when allowed, and also when only scopes are missing on a component that answers with a step-up
   * challenge: a client must know the tool to be told which scopes it needs.
   */
  private listed(component: McpComponent, outcome: McpCheckOutcome): boolean {
    if (outcome.allowed) return true;
    return (component.onDenied ?? this.options.onDenied) === 'challenge' && outcome.scopeOnly && outcome.requiredScopes.length > 0;
  }

  /** Pure: only built-in checks and no guards of the app's: the decision depends on the principal's shape alone. */
  private isPure(component: McpComponent): boolean {
    this.globalGuards ??= this.handlers.hasGlobalGuards();
    return component.authorization.pure && !component.hasAppGuards && !this.globalGuards;
  }

  /**
   * Classifies an exception from a call: thrown before every guard passed, it is a denial (hidden, step-up or an
   * explicit message); a 4xx `HttpException` other than 401/403 from a guard (429 from a throttler, say) reaches the
   * caller as a tool error. Returns that message, or undefined when the failure is the handler's own.
   */
  private guardFailure(
    component: McpComponent,
    invocation: McpInvocationState,
    error: unknown,
    context: McpContext,
    notFound: () => McpProtocolError,
  ): string | undefined {
    if (invocation.guardsPassed) return undefined;
    if (error instanceof McpAccessDenied) throw this.denied(component, error.outcome, context, notFound);
    if (error instanceof McpAuthorizationError) throw this.denied(component, { ...HIDDEN, message: error.message }, context, notFound);
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status !== 401 && status !== 403 && status < 500) return this.errors.toClient(error, component.info.handler).message;
    }
    throw notFound();
  }

  private denied(component: McpComponent, outcome: McpCheckOutcome, context: McpContext, notFound: () => McpProtocolError): McpProtocolError {
    if (outcome.message !== undefined) return new McpProtocolError(JsonRpcCode.Forbidden, McpMessages.accessDenied(outcome.message));
    const mode = component.onDenied ?? this.options.onDenied;
    const state = stateOf(context);
    if (mode === 'challenge' && outcome.scopeOnly && outcome.requiredScopes.length && state?.transport === 'http') {
      state.stepUp = [...new Set([...(state.stepUp ?? []), ...outcome.requiredScopes])];
      return new McpProtocolError(JsonRpcCode.Forbidden, McpMessages.stepUpRequired());
    }
    return notFound();
  }

  /** Runs a resource or prompt handler; its client-safe errors become JSON-RPC errors. */
  private async run(
    component: McpComponent,
    invocation: McpInvocationState,
    context: McpContext,
    notFound: () => McpProtocolError,
  ): Promise<unknown> {
    try {
      return await component.invoke(invocation);
    } catch (error) {
      const denial = this.guardFailure(component, invocation, error, context, notFound);
      if (denial) throw new McpProtocolError(JsonRpcCode.InvalidParams, denial);
      const client = this.errors.toClient(error, component.info.handler);
      if (client.masked) throw new McpProtocolError(JsonRpcCode.InternalError, client.message);
      // A handler throwing NotFoundException answers like an unknown component.
      if (error instanceof NotFoundException) throw notFound();
      throw new McpProtocolError(JsonRpcCode.InvalidParams, client.message);
    }
  }

  /**
   * `admitted`: the pure decision already made for this call; the authorization guard then only records it rather
   * than evaluating the same checks again.
   */
  private invocation(
    component: McpComponent,
    context: McpContext,
    phase: McpPhase,
    args?: unknown,
    uri?: string,
    admitted?: McpCheckOutcome,
  ): McpInvocationState {
    const invocation: McpInvocationState = {
      component: component.info,
      phase,
      arguments: args,
      uri,
      principal: context.principal,
      context,
      guardsPassed: false,
      authorize: admitted
        ? () => {
            this.authorizer.audit(this.authContext(component, context, phase, args), admitted);
            return admitted;
          }
        : () => this.authorizer.evaluate(component.authorization, this.authContext(component, context, phase, args)),
    };
    return invocation;
  }

  private authContext(component: McpComponent, context: McpContext, phase: McpPhase, args?: unknown): McpAuthContext {
    return { auth: context.principal, component: component.info, phase, arguments: args, request: context.request };
  }

  private visibility(context: McpContext): McpSessionVisibility {
    return stateOf(context)?.session?.visibility ?? DEFAULT_VISIBILITY;
  }
}

/** What a pure decision depends on: anonymity, scopes and roles (order-insensitive). */
function principalKey(context: McpContext): string {
  const { source, scopes, roles } = context.principal;
  const sorted = (list: readonly string[]) => (list.length === 0 ? '' : list.length === 1 ? list[0] : [...list].sort().join(' '));
  return `${source === 'anonymous' ? 'a' : 'u'}\u0000${sorted(scopes)}\u0000${sorted(roles)}`;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
