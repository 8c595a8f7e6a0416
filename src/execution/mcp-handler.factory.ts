import { Injectable } from '@nestjs/common';
import { INTERCEPTORS_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ContextIdFactory, ExternalContextCreator, ModuleRef } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator.js';
import { isObservable, lastValueFrom } from 'rxjs';
import { mcpArgsFactory, mcpContextFactory, mcpPrincipalFactory } from '../decorators/mcp-params.decorator.js';
import { MCP_CONTEXT_TYPE, MCP_NO_PARAMS_METADATA } from '../mcp-auth.constants.js';
import { McpAccessDenied, runModuleGuards } from '../authorization/mcp-authorization.guard.js';
import { createFilterRunner } from './mcp-exception-filters.js';
import { MCP_INVOCATION_INDEX, type McpInvocation, type McpInvocationState } from './mcp-invocation.js';

/** Runs a component's method through Nest's pipeline for one invocation. */
export type McpHandlerInvoker = (invocation: McpInvocation) => Promise<unknown>;

// Filters are applied by the module (component filters only: see mcp-exception-filters.ts).
const PIPELINE = { guards: true, interceptors: true, filters: false } as const;
const GUARDS_ONLY = { guards: true, interceptors: false, filters: false } as const;
/** For components whose only guards are the module's own: those run directly (`runModuleGuards`). */
const WITHOUT_GUARDS = { guards: false, interceptors: true, filters: false } as const;

/** What a list-phase probe returns once every guard has passed. */
export const MCP_PROBE_PASSED = Symbol('McpProbePassed');

/**
 * A stand-in for the method that carries its metadata (guards read it from the callback) but runs nothing: the
 * list phase runs a component's guard chain without ever calling the handler.
 */
function probeFor(method: Function): Function {
  const probe = () => MCP_PROBE_PASSED;
  for (const key of Reflect.getOwnMetadataKeys(method)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, method), probe);
  }
  return probe;
}

/** The module's own parameter decorators: what they resolve to depends only on the invocation. */
const OWN_PARAM_FACTORIES: ReadonlySet<unknown> = new Set([mcpArgsFactory, mcpPrincipalFactory, mcpContextFactory]);

interface OwnParam {
  readonly index: number;
  readonly data: unknown;
  readonly factory: (data: unknown, ctx: ExecutionContextHost) => unknown;
}

/** The parts of Nest's `ApplicationConfig` read here. */
interface GlobalEnhancers {
  getGlobalPipes?(): unknown[];
  getGlobalRequestPipes?(): unknown[];
  getGlobalInterceptors?(): unknown[];
  getGlobalRequestInterceptors?(): unknown[];
}

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
 * Wraps provider methods with `ExternalContextCreator` under the `'mcp'` context type, once at bootstrap, so
 * APP_GUARD, @UseGuards, @UseInterceptors, @UsePipes, @UseFilters and createParamDecorator work unchanged.
 * Request-scoped providers are resolved per invocation.
 */
@Injectable()
export class McpHandlerFactory {
  private readonly paramsFactory = new McpParamsFactory();

  constructor(
    private readonly externalContextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * The handler through the whole pipeline; with `probe`, only its guard chain (APP_GUARD, class and method
   * guards, the module's authorization guard), for the list phase.
   */
  create(wrapper: InstanceWrapper, methodName: string, probe = false, appGuards = true): McpHandlerInvoker {
    // Without guards of the app's (on the method, its class or global), the module's own two run directly.
    const ownGuardsOnly = !probe && !appGuards && !this.hasGlobalGuards();
    if (wrapper.isDependencyTreeStatic()) {
      const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
      const handler = this.wrap(instance, methodName, probe, ownGuardsOnly);
      return (invocation) => handler(invocation.context.request, invocation.context.response, invocation);
    }
    return async (invocation) => {
      // A request object anchors the per-request DI sub-tree (`REQUEST` injects it); stdio has none, so the
      // invocation stands in.
      const request = (invocation.context.request ?? { mcp: invocation }) as Record<string, unknown>;
      const contextId = ContextIdFactory.getByRequest(request);
      this.moduleRef.registerRequestByContextId(request, contextId);
      const instance = await this.moduleRef.resolve(wrapper.token, contextId, { strict: false });
      const handler = this.wrap(instance, methodName, probe, ownGuardsOnly, contextId, wrapper.id);
      return handler(invocation.context.request, invocation.context.response, invocation);
    };
  }

  /**
   * Whether the app has global guards (APP_GUARD or useGlobalGuards). They run in every component's chain, so list
   * decisions cannot be cached. When Nest does not let us see them, assume there are (never cache wrongly).
   */
  hasGlobalGuards(): boolean {
    const config = (this.externalContextCreator as unknown as {
      guardsContextCreator?: { config?: { getGlobalGuards(): unknown[]; getGlobalRequestGuards(): unknown[] } };
    }).guardsContextCreator?.config;
    if (!config || typeof config.getGlobalGuards !== 'function') return true;
    return config.getGlobalGuards().length + config.getGlobalRequestGuards().length > 0;
  }

  private wrap(
    instance: Record<string, (...args: unknown[]) => unknown>,
    methodName: string,
    probe: boolean,
    ownGuardsOnly: boolean,
    contextId?: ReturnType<typeof ContextIdFactory.create>,
    inquirerId?: string,
  ): (...args: unknown[]) => Promise<unknown> {
    const direct = !probe && ownGuardsOnly && !contextId ? this.direct(instance, methodName) : undefined;
    const pipeline = direct ? undefined : this.pipeline(instance, methodName, probe, ownGuardsOnly, contextId, inquirerId);
    const handler =
      direct ??
      (ownGuardsOnly
        ? async (...args: unknown[]) => {
            const guarded = runModuleGuards(args[MCP_INVOCATION_INDEX] as McpInvocationState);
            if (guarded) await guarded;
            return pipeline!(...args);
          }
        : pipeline!);
    const filters = probe ? undefined : createFilterRunner(this.moduleRef, instance.constructor, instance[methodName]);
    if (!filters) return handler;
    return async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        // A denial (anything thrown before every guard passed) is the module's to answer (hidden = missing),
        // never a filter's to turn into a result.
        if (error instanceof McpAccessDenied || !(args[2] as McpInvocationState | undefined)?.guardsPassed) throw error;
        const handled = await filters(error, args);
        if (handled) return handled.value;
        throw error;
      }
    };
  }

  /**
   * What the module's guards and `ExternalContextCreator` would do for a method with nothing of Nest's to apply — no
   * guards of the app's, no pipes and no interceptors (global, on the class or on the method), parameters all the
   * module's own decorators — without the per-call machinery: the module's guards run, the parameters are resolved
   * from the same `'mcp'` execution context, the method is called, an Observable result becomes its last value.
   * Undefined when anything else applies: the call then goes through `ExternalContextCreator`.
   */
  private direct(
    instance: Record<string, (...args: unknown[]) => unknown>,
    methodName: string,
  ): ((...args: unknown[]) => Promise<unknown>) | undefined {
    const method = instance[methodName];
    const classRef = instance.constructor;
    if (this.hasGlobalEnhancers()) return undefined;
    for (const key of [PIPES_METADATA, INTERCEPTORS_METADATA]) {
      if (((Reflect.getMetadata(key, classRef) ?? []) as unknown[]).length) return undefined;
      if (((Reflect.getMetadata(key, method) ?? []) as unknown[]).length) return undefined;
    }
    const params: OwnParam[] = [];
    type RouteArg = Partial<OwnParam> & { pipes?: unknown[] };
    const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, classRef, methodName) ?? {}) as Record<string, RouteArg>;
    for (const param of Object.values(metadata)) {
      if (!OWN_PARAM_FACTORIES.has(param.factory) || param.pipes?.length || typeof param.index !== 'number') return undefined;
      params.push(param as OwnParam);
    }
    // A method without parameters receives the raw arguments from Nest: left to it.
    if (!params.length) return undefined;
    const length = Math.max(...params.map((p) => p.index)) + 1;
    return async (...args: unknown[]) => {
      // The module's own guards first (the component has no others), as the pipeline would run them.
      const guarded = runModuleGuards(args[MCP_INVOCATION_INDEX] as McpInvocationState);
      if (guarded) await guarded;
      const context = new ExecutionContextHost(args, classRef as never, method as never);
      context.setType(MCP_CONTEXT_TYPE);
      const values: unknown[] = new Array(length).fill(undefined);
      for (const { index, data, factory } of params) values[index] = factory(data, context);
      const result = method.apply(instance, values);
      if (isObservable(result)) return lastValueFrom(result);
      // A synchronous result needs no await; a promise is awaited, as Nest does, in case it resolves to an Observable.
      if (!(result instanceof Promise)) return result;
      const settled: unknown = await result;
      return isObservable(settled) ? lastValueFrom(settled) : settled;
    };
  }

  /** Whether the app has global pipes or interceptors (APP_PIPE, useGlobalPipes, ...); when unsure, assume so. */
  private hasGlobalEnhancers(): boolean {
    const creator = this.externalContextCreator as unknown as {
      pipesContextCreator?: { config?: GlobalEnhancers };
      interceptorsContextCreator?: { config?: GlobalEnhancers };
    };
    const pipes = creator.pipesContextCreator?.config;
    const interceptors = creator.interceptorsContextCreator?.config;
    const lists = [
      pipes?.getGlobalPipes?.(),
      pipes?.getGlobalRequestPipes?.(),
      interceptors?.getGlobalInterceptors?.(),
      interceptors?.getGlobalRequestInterceptors?.(),
    ];
    return lists.some((list) => !Array.isArray(list) || list.length > 0);
  }

  private pipeline(
    instance: Record<string, (...args: unknown[]) => unknown>,
    methodName: string,
    probe: boolean,
    ownGuardsOnly: boolean,
    contextId?: ReturnType<typeof ContextIdFactory.create>,
    inquirerId?: string,
  ): (...args: unknown[]) => Promise<unknown> {
    return this.externalContextCreator.create(
      instance,
      (probe ? probeFor(instance[methodName]) : instance[methodName]) as (...args: unknown[]) => unknown,
      methodName,
      probe ? MCP_NO_PARAMS_METADATA : ROUTE_ARGS_METADATA,
      probe ? undefined : this.paramsFactory,
      contextId,
      inquirerId,
      probe ? GUARDS_ONLY : ownGuardsOnly ? WITHOUT_GUARDS : PIPELINE,
      MCP_CONTEXT_TYPE,
    );
  }
}
