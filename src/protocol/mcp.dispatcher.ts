import { Injectable, NotFoundException } from '@nestjs/common';
import { McpAccess, type McpAccessDecision, type McpCaller, type McpDenial } from '../authorization/mcp-access.js';
import { decisionKey, McpCallerCache } from '../authorization/mcp-decision.cache.js';
import type { McpComponent } from '../discovery/mcp-component.js';
import { McpRegistry, type McpFamily } from '../discovery/mcp.registry.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpCompletionResult } from '../decorators/mcp-complete.decorator.js';
import { withRawResult } from './json-rpc.js';
import { MCP_REQUEST_STATE, MCP_SEND, type McpContextInternals, type McpRequestState } from './mcp-request-state.js';
import type { McpContext, McpSession, McpVisibilityFilter } from '../execution/mcp-context.js';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import type { McpInvocationState } from '../execution/mcp-invocation.js';
import { isClientRequestSignal } from '../execution/mcp-input-required.js';
import { toPromptResult, toResourceResult, toToolError, toToolResult } from '../execution/mcp-result.mapper.js';
import { DEFAULT_VISIBILITY, type McpSessionVisibility } from '../execution/mcp-session-visibility.js';
import { JsonRpcCode, McpProtocolError, McpStepUpRequired } from './json-rpc.errors.js';

type Json = Record<string, unknown>;

/** A `completion/complete` request, its params already checked. */
export interface McpCompletionRequest {
  /** A prompt (`ref/prompt`, by name) or a resource template (`ref/resource`, by URI template). */
  readonly ref: { readonly type: 'ref/prompt' | 'ref/resource'; readonly name: string };
  readonly argument: string;
  readonly value: string;
  /** The other arguments' values the client already knows. */
  readonly arguments: Readonly<Record<string, string>>;
}
type Family = McpFamily;
const FAMILIES: readonly Family[] = ['tools', 'resources', 'resourceTemplates', 'prompts'];
const LIST_CHANGED: Record<Family, string> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};

/**
 * Longer `resources/read` URIs are refused before any template is tried: matching is linear, but a body-sized URI
 * times every template would still buy seconds of CPU with one request.
 */
const MAX_RESOURCE_URI_LENGTH = 16 * 1024;

const internals = (context: McpContext) => context as unknown as McpContextInternals;
const stateOf = (context: McpContext): McpRequestState => internals(context)[MCP_REQUEST_STATE];

/**
 * The MCP operations, free of any protocol library. Each call reads top to bottom: registry lookup, admission
 * (`McpAccess`: a component the caller may not see answers like a missing one), argument validation, the call-phase
 * decision, then the component's invocation plan; its result is mapped for the client. Lists ask the same predicate.
 */
@Injectable()
export class McpDispatcher {
  /** Serialized list results of callers whose lists depend only on what `decisionKey` encodes. */
  private readonly lists = new McpCallerCache<Family, Json>();
  private readonly pureFamilies = new Map<Family, boolean>();

  constructor(
    private readonly registry: McpRegistry,
    private readonly access: McpAccess,
    private readonly errors: McpErrorMapper,
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
    const notFound = () => new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownTool(name));
    const component = this.registry.tools.get(name);
    if (!component) throw notFound();
    const caller = this.caller(context);
    // Each step is synchronous when its answer is at hand (a cached decision, arguments the validation shortcut
    // accepts): awaited only when it is a promise.
    const admission = this.access.admit(component, caller);
    const admitted = this.allowed(admission instanceof Promise ? await admission : admission, notFound);
    const headers = component.paramHeaders && stateOf(context).paramHeaders;
    if (headers) {
      const mismatch = headers(component.paramHeaders!, rawArguments as Record<string, unknown> | undefined);
      if (mismatch) throw new McpProtocolError(JsonRpcCode.HeaderMismatch, `Header mismatch: ${mismatch}`);
    }
    const validation = component.validator.validate(rawArguments);
    const checked = validation instanceof Promise ? await validation : validation;
    // SEP-1303: invalid arguments are a tool result the model can read and correct, not a protocol error.
    if (!checked.ok) return toToolError(McpMessages.invalidArguments(checked.errors));
    const decision = this.access.authorize(component, caller, checked.value, admitted);
    this.allowed(decision instanceof Promise ? await decision : decision, notFound);
    const invocation = this.invocation(component, caller, checked.value);
    try {
      return toToolResult(await component.invoke(invocation));
    } catch (error) {
      if (isClientRequestSignal(error)) throw error;
      if (!invocation.guardsPassed) {
        const failure = this.access.guardFailure(error);
        if (failure.kind !== 'client-error') throw this.denial(failure, notFound);
        return toToolError(this.errors.toClient(failure.error, component.info.handler).message);
      }
      const client = this.errors.toClient(error, component.info.handler);
      return toToolError(client.message, client.details);
    }
  }

  /**
   * The resource with this exact URI, else the templates that match it, most specific first: the first the caller
   * may read serves it. A candidate the caller may not read never decides the answer while another may serve it
   * (a hidden template cannot shadow a visible one); with none, the first step-up or explicit refusal met, else
   * "not found".
   */
  async readResource(uri: string, context: McpContext): Promise<Json> {
    if (uri.length > MAX_RESOURCE_URI_LENGTH) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.resourceUriTooLong(MAX_RESOURCE_URI_LENGTH));
    const notFound = () => new McpProtocolError(JsonRpcCode.ResourceNotFound, McpMessages.unknownResource(uri), { uri });
    const caller = this.caller(context);
    let denied: McpDenial | undefined;
    for (const { component, variables } of this.registry.resolveResource(uri)) {
      const decision = await this.access.admit(component, caller);
      if (decision.kind !== 'allowed') {
        if (decision.kind !== 'hidden') denied ??= decision;
        continue;
      }
      const value = await this.run(component, caller, variables ?? {}, notFound, uri, decision);
      return toResourceResult(value, uri, component.mimeType);
    }
    throw denied ? this.denial(denied, notFound) : notFound();
  }

  /** Whether the caller may read this URI now (the admission of `resources/read`, without running anything). */
  async canRead(uri: string, context: McpContext): Promise<boolean> {
    if (uri.length > MAX_RESOURCE_URI_LENGTH) return false;
    const caller = this.caller(context);
    for (const { component } of this.registry.resolveResource(uri)) {
      if ((await this.access.admit(component, caller)).kind === 'allowed') return true;
    }
    return false;
  }

  /** As `canRead`, but a refusal is the error `resources/read` would answer with (hidden answers like missing). */
  async requireReadable(uri: string, context: McpContext): Promise<void> {
    if (uri.length > MAX_RESOURCE_URI_LENGTH) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.resourceUriTooLong(MAX_RESOURCE_URI_LENGTH));
    const notFound = () => new McpProtocolError(JsonRpcCode.ResourceNotFound, McpMessages.unknownResource(uri), { uri });
    const caller = this.caller(context);
    let denied: McpDenial | undefined;
    for (const { component } of this.registry.resolveResource(uri)) {
      const decision = await this.access.admit(component, caller);
      if (decision.kind === 'allowed') return;
      if (decision.kind !== 'hidden') denied ??= decision;
    }
    throw denied ? this.denial(denied, notFound) : notFound();
  }

  /** Whether the server has components of this list. */
  has(kind: 'tools' | 'prompts' | 'resources'): boolean {
    return kind === 'resources' ? this.registry.resources.size + this.registry.resourceTemplates.size > 0 : this.registry[kind].size > 0;
  }

  async getPrompt(name: string, rawArguments: unknown, context: McpContext): Promise<Json> {
    const notFound = () => new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownPrompt(name));
    const component = this.registry.prompts.get(name);
    if (!component) throw notFound();
    const value = await this.run(component, this.caller(context), rawArguments, notFound);
    return toPromptResult(value, component.description);
  }

  /**
   * `completion/complete`: suggestions for one argument of a prompt or resource template, from its `@McpComplete`
   * method or its enum. The component's admission decides first: a caller who may not see it is answered exactly
   * as for a component that does not exist.
   */
  async complete(request: McpCompletionRequest, context: McpContext): Promise<Json> {
    const isPrompt = request.ref.type === 'ref/prompt';
    const name = request.ref.name;
    const notFound = () =>
      new McpProtocolError(JsonRpcCode.InvalidParams, isPrompt ? McpMessages.unknownPrompt(name) : McpMessages.unknownResourceTemplate(name));
    const component = isPrompt ? this.registry.prompts.get(name) : this.templatesByUri().get(name);
    if (!component) throw notFound();
    const caller = this.caller(context);
    this.allowed(await this.access.admit(component, caller), notFound);
    const { argument, value } = request;
    const completer = this.registry.completers.get(component)?.get(argument);
    let suggestions: McpCompletionResult;
    if (completer) {
      try {
        suggestions = await completer(value, { argument, arguments: request.arguments, principal: caller.principal, signal: context.signal });
      } catch (error) {
        throw new McpProtocolError(JsonRpcCode.InternalError, this.errors.mask(error, component.info.handler));
      }
    } else {
      const lower = value.toLowerCase();
      suggestions = (component.enumValues?.get(argument) ?? []).filter((v) => v.toLowerCase().startsWith(lower));
    }
    return { completion: completionOf(suggestions) };
  }

  /** The `McpSession` handle of a request that has a session. */
  session(context: McpContext): McpSession | undefined {
    const session = stateOf(context).session;
    if (!session) return undefined;
    const change = async (mutate: (v: McpSessionVisibility) => void) => {
      const before = await this.visibleNames(context);
      mutate(session.visibility);
      const after = await this.visibleNames(context);
      const sent = new Set<string>();
      for (const family of FAMILIES) {
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

  /** Resources and prompts: the same steps as a tool call; their failures are JSON-RPC errors. */
  private async run(
    component: McpComponent,
    caller: McpCaller,
    raw: unknown,
    notFound: () => McpProtocolError,
    uri?: string,
    admission?: McpAccessDecision,
  ): Promise<unknown> {
    const admitted = this.allowed(admission ?? (await this.access.admit(component, caller)), notFound);
    const checked = await component.validator.validate(raw);
    if (!checked.ok) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.invalidArguments(checked.errors));
    this.allowed(await this.access.authorize(component, caller, checked.value, admitted), notFound);
    const invocation = this.invocation(component, caller, checked.value, uri);
    try {
      return await component.invoke(invocation);
    } catch (error) {
      if (isClientRequestSignal(error)) throw error;
      if (!invocation.guardsPassed) {
        const failure = this.access.guardFailure(error);
        if (failure.kind !== 'client-error') throw this.denial(failure, notFound);
        throw new McpProtocolError(JsonRpcCode.InvalidParams, this.errors.toClient(failure.error, component.info.handler).message);
      }
      const client = this.errors.toClient(error, component.info.handler);
      if (client.masked) throw new McpProtocolError(JsonRpcCode.InternalError, client.message);
      // A handler throwing NotFoundException answers like an unknown component.
      if (error instanceof NotFoundException) throw notFound();
      throw new McpProtocolError(JsonRpcCode.InvalidParams, client.message);
    }
  }

  private async list(family: Family, context: McpContext): Promise<Json> {
    const caller = this.caller(context);
    const components = this.registry[family];
    const cacheable = caller.visibility === DEFAULT_VISIBILITY || (caller.visibility as McpSessionVisibility).isDefault;
    const shared = cacheable && this.allPure(family);
    const key = shared ? decisionKey(caller.principal) : '';
    const cached = shared ? this.lists.get(key, family) : undefined;
    if (cached) return cached;
    const visible: unknown[] = [];
    for (const component of components.values()) {
      if (await this.access.listed(component, caller)) visible.push(component.descriptor);
    }
    const result = { [family]: visible };
    // Cached lists are also serialized once: a repeated list costs no JSON.stringify.
    if (shared) this.lists.set(key, family, withRawResult(result));
    return result;
  }

  /**
   * Whether a family's list is the same for every caller (no component has a check or a list-safe guard, none is
   * disabled by default): such a list may be cached by shared intermediaries (2026-07-28 `cacheScope: "public"`).
   */
  isPublic(family: McpFamily): boolean {
    for (const component of this.registry[family].values()) if (!this.access.isUnconditional(component)) return false;
    return true;
  }

  private templateIndex?: Map<string, McpComponent>;
  /** Templates by their URI template (what a `ref/resource` names). */
  private templatesByUri(): Map<string, McpComponent> {
    if (!this.templateIndex) {
      this.templateIndex = new Map();
      for (const component of this.registry.resourceTemplates.values()) this.templateIndex.set(component.descriptor.uriTemplate as string, component);
    }
    return this.templateIndex;
  }

  /** Whether every component of a family is pure: the registry is fixed after bootstrap, so this is asked once. */
  private allPure(family: Family): boolean {
    let pure = this.pureFamilies.get(family);
    if (pure === undefined) {
      pure = [...this.registry[family].values()].every((c) => this.access.isPure(c));
      this.pureFamilies.set(family, pure);
    }
    return pure;
  }

  private async visibleNames(context: McpContext): Promise<Record<Family, Set<string>>> {
    const caller = this.caller(context);
    const out = {} as Record<Family, Set<string>>;
    for (const family of FAMILIES) {
      out[family] = new Set();
      for (const component of this.registry[family].values()) {
        if (await this.access.listed(component, caller)) out[family].add(component.info.name);
      }
    }
    return out;
  }

  /** The decision when it allows; otherwise the error the caller receives. */
  private allowed(decision: McpAccessDecision, notFound: () => McpProtocolError): McpAccessDecision {
    if (decision.kind === 'allowed') return decision;
    throw this.denial(decision, notFound);
  }

  private denial(decision: McpDenial, notFound: () => McpProtocolError): McpProtocolError {
    if (decision.kind === 'refused') return new McpProtocolError(JsonRpcCode.Forbidden, McpMessages.accessDenied(decision.message));
    if (decision.kind === 'step-up') return new McpStepUpRequired(decision.scopes, McpMessages.stepUpRequired());
    return notFound();
  }

  private caller(context: McpContext): McpCaller {
    const state = stateOf(context);
    return {
      principal: state.principal,
      context,
      request: state.request,
      response: state.response,
      visibility: state.session?.visibility ?? DEFAULT_VISIBILITY,
      canChallenge: state.transport === 'http',
    };
  }

  private invocation(component: McpComponent, caller: McpCaller, args: unknown, uri?: string): McpInvocationState {
    return { component: component.info, phase: 'call', arguments: args, uri, principal: caller.principal, context: caller.context, guardsPassed: false };
  }
}

/** At most 100 values are sent (MCP `completion/complete`); the rest are counted in `total` and `hasMore`. */
const MAX_COMPLETIONS = 100;

function completionOf(result: McpCompletionResult): { values: string[]; total?: number; hasMore?: boolean } {
  const list = Array.isArray(result) ? result : (result as { values?: unknown }).values;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) throw new McpProtocolError(JsonRpcCode.InternalError, 'Internal error: a completer returned no list of strings');
  const values = (list as string[]).slice(0, MAX_COMPLETIONS);
  const declared = Array.isArray(result) ? {} : (result as { total?: number; hasMore?: boolean });
  const total = typeof declared.total === 'number' ? declared.total : list.length;
  const hasMore = declared.hasMore === true || list.length > MAX_COMPLETIONS;
  return { values, ...(total !== values.length && { total }), ...(hasMore && { hasMore }) };
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
