import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import { createDirectInvoker } from './mcp-direct.invoker.js';
import { createFilterRunner } from './mcp-exception-filters.js';
import { isClientRequestSignal } from './mcp-input-required.js';
import { MCP_GUARDS_PASSED, McpGuardsPassedMarker } from './mcp-guards-passed.js';
import type { McpHandlerInvoker, McpInvocation, McpInvocationState } from './mcp-invocation.js';
import { declaresListSafe, listSafe, runGuards } from './mcp-list.guards.js';
import {
  GUARDS_METADATA,
  hasGlobalGuards,
  hasGlobalPipesOrInterceptors,
  resolveGuards,
  ROUTE_ARGS_METADATA,
  RouteParamtypes,
  type InstanceWrapper,
  type ParamsFactory,
} from './nest-internals.js';

/**
 * How a component's method is called, decided once at bootstrap:
 * - `direct`: nothing of Nest's applies (no guards of the app's, no pipes or interceptors, only the module's parameter
 *   decorators): the method is called with its parameters resolved from the `'mcp'` execution context;
 * - `pipeline`: pipes or interceptors apply but no guards: `ExternalContextCreator` without its guard step;
 * - `guarded`: the app's guards (global, class or method) apply: the whole pipeline, guards once per call, with the
 *   module's marker last so that a failure before it is a denial and one after it the handler's.
 * The module's `auth:` checks are decided before any plan runs (`McpAccess`), never inside it.
 */
export type McpInvocationPlan = 'direct' | 'pipeline' | 'guarded';

export interface McpComponentHandler {
  readonly plan: McpInvocationPlan;
  readonly invoke: McpHandlerInvoker;
  /** The list-safe guards of the component, with its real class and method; absent when none applies. */
  readonly listGuards?: (invocation: McpInvocation) => Promise<boolean>;
}

type Instance = Record<string, (...args: unknown[]) => unknown>;

// Filters are applied by the module (component filters only: see mcp-exception-filters.ts).
const OPTIONS: Record<Exclude<McpInvocationPlan, 'direct'>, { guards: boolean; interceptors: boolean; filters: boolean }> = {
  pipeline: { guards: false, interceptors: true, filters: false },
  guarded: { guards: true, interceptors: true, filters: false },
};

/**
 * Exchanges Nest's built-in parameter decorators: `@Req()` is the HTTP request and `@Res()` its response
 * (the handler's arguments are `[request, response, invocation]`); everything else is a custom decorator.
 */
class McpParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, _data: unknown, args: unknown[]): unknown {
    if (type === RouteParamtypes.REQUEST) return args[0];
    if (type === RouteParamtypes.RESPONSE) return args[1];
    return undefined;
  }
}

/**
 * Wraps provider methods under the `'mcp'` context type, once at bootstrap, so APP_GUARD, @UseGuards,
 * @UseInterceptors, @UsePipes, @UseFilters and createParamDecorator work unchanged. Request-scoped providers are
 * resolved per invocation.
 */
@Injectable()
export class McpHandlerFactory {
  private readonly paramsFactory = new McpParamsFactory();

  constructor(
    private readonly externalContextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
  ) {}

  create(wrapper: InstanceWrapper, methodName: string): McpComponentHandler {
    const prototype = (wrapper.metatype as Function).prototype as Instance;
    const method = prototype[methodName];
    const guarded = this.installMarker(method) || declared(prototype.constructor).length > 0 || hasGlobalGuards(this.externalContextCreator);
    const listGuards = this.listGuards(wrapper, methodName, guarded);
    const filtered = (invoke: McpHandlerInvoker) => this.withFilters(invoke, prototype.constructor, method);
    if (wrapper.isDependencyTreeStatic()) {
      const instance = wrapper.instance as Instance;
      const direct = guarded || hasGlobalPipesOrInterceptors(this.externalContextCreator) ? undefined : createDirectInvoker(instance, methodName);
      if (direct) return { plan: 'direct', invoke: filtered(passed(direct)), listGuards };
      const plan = guarded ? 'guarded' : 'pipeline';
      const handler = this.wrap(plan, instance, methodName);
      const invoke: McpHandlerInvoker = (invocation) => handler(invocation.context.request, invocation.context.response, invocation);
      return { plan, invoke: filtered(guarded ? invoke : passed(invoke)), listGuards };
    }
    const plan = guarded ? 'guarded' : 'pipeline';
    const invoke: McpHandlerInvoker = async (invocation) => {
      const { instance, contextId } = await this.resolve(wrapper, invocation);
      const handler = this.wrap(plan, instance, methodName, contextId, wrapper.id);
      return handler(invocation.context.request, invocation.context.response, invocation);
    };
    return { plan, invoke: filtered(guarded ? invoke : passed(invoke)), listGuards };
  }

  /**
   * The list-safe guards (global, class, method) run with the real class and method. Resolved once for a static
   * provider; per invocation, in the request's DI sub-tree, for a request-scoped one.
   */
  private listGuards(wrapper: InstanceWrapper, methodName: string, guarded: boolean): McpComponentHandler['listGuards'] {
    if (!guarded) return undefined;
    const classRef = wrapper.metatype as Function;
    const method = (classRef.prototype as Instance)[methodName];
    if (wrapper.isDependencyTreeStatic()) {
      const instance = wrapper.instance as Instance;
      const guards = listSafe(resolveGuards(this.externalContextCreator, instance, instance[methodName]));
      return guards.length ? (invocation) => runGuards(guards, invocation, classRef, method) : undefined;
    }
    const candidates = [...declared(classRef), ...declared(method)];
    if (!candidates.some(declaresListSafe) && !hasGlobalGuards(this.externalContextCreator)) return undefined;
    return async (invocation) => {
      const { instance, contextId } = await this.resolve(wrapper, invocation);
      const guards = listSafe(resolveGuards(this.externalContextCreator, instance, instance[methodName], contextId, wrapper.id));
      return runGuards(guards, invocation, classRef, method);
    };
  }

  /**
   * Puts the module's marker last on the method's own guards (idempotent: a class may be explored by several apps in
   * one process). Returns whether the app put guards of its own there.
   */
  private installMarker(method: Function): boolean {
    const own = declared(method).filter((guard) => !(guard instanceof McpGuardsPassedMarker));
    Reflect.defineMetadata(GUARDS_METADATA, [...own, MCP_GUARDS_PASSED], method);
    return own.length > 0;
  }

  private async resolve(wrapper: InstanceWrapper, invocation: McpInvocationState | McpInvocation): Promise<{ instance: Instance; contextId: ContextId }> {
    // A request object anchors the per-request DI sub-tree (`REQUEST` injects it); stdio has none, so the
    // invocation stands in.
    const request = (invocation.context.request ?? { mcp: invocation }) as Record<string, unknown>;
    const contextId = ContextIdFactory.getByRequest(request);
    this.moduleRef.registerRequestByContextId(request, contextId);
    const instance = (await this.moduleRef.resolve(wrapper.token, contextId, { strict: false })) as Instance;
    return { instance, contextId };
  }

  private wrap(
    plan: Exclude<McpInvocationPlan, 'direct'>,
    instance: Instance,
    methodName: string,
    contextId?: ContextId,
    inquirerId?: string,
  ): (...args: unknown[]) => Promise<unknown> {
    return this.externalContextCreator.create(
      instance,
      instance[methodName],
      methodName,
      ROUTE_ARGS_METADATA,
      this.paramsFactory,
      contextId,
      inquirerId,
      OPTIONS[plan],
      MCP_CONTEXT_TYPE,
    );
  }

  /** The component's own `@UseFilters()`; a denial (anything thrown before every guard passed) is never theirs. */
  private withFilters(invoke: McpHandlerInvoker, classRef: Function, method: Function): McpHandlerInvoker {
    const filters = createFilterRunner(this.moduleRef, classRef, method);
    if (!filters) return invoke;
    return async (invocation) => {
      try {
        return await invoke(invocation);
      } catch (error) {
        if (!invocation.guardsPassed || isClientRequestSignal(error)) throw error;
        const handled = await filters(error, [invocation.context.request, invocation.context.response, invocation]);
        if (handled) return handled.value;
        throw error;
      }
    };
  }
}

/** A plan without guards: every failure is the handler's. */
function passed(invoke: McpHandlerInvoker): McpHandlerInvoker {
  return (invocation) => {
    invocation.guardsPassed = true;
    return invoke(invocation);
  };
}

function declared(target: Function): unknown[] {
  return (Reflect.getMetadata(GUARDS_METADATA, target) ?? []) as unknown[];
}
