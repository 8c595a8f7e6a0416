import { Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ContextIdFactory, ExternalContextCreator, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator.js';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import type { McpInvocation } from './mcp-invocation.js';

/** Runs a component's method through Nest's pipeline for one invocation. */
export type McpHandlerInvoker = (invocation: McpInvocation) => Promise<unknown>;

const PIPELINE = { guards: true, interceptors: true, filters: true } as const;

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

  create(wrapper: InstanceWrapper, methodName: string): McpHandlerInvoker {
    if (wrapper.isDependencyTreeStatic()) {
      const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
      const handler = this.wrap(instance, methodName);
      return (invocation) => handler(invocation.context.request, invocation.context.response, invocation);
    }
    return async (invocation) => {
      // A request object anchors the per-request DI sub-tree (`REQUEST` injects it); stdio has none, so the
      // invocation stands in.
      const request = (invocation.context.request ?? { mcp: invocation }) as Record<string, unknown>;
      const contextId = ContextIdFactory.getByRequest(request);
      this.moduleRef.registerRequestByContextId(request, contextId);
      const instance = await this.moduleRef.resolve(wrapper.token, contextId, { strict: false });
      const handler = this.wrap(instance, methodName, contextId, wrapper.id);
      return handler(invocation.context.request, invocation.context.response, invocation);
    };
  }

  private wrap(
    instance: Record<string, (...args: unknown[]) => unknown>,
    methodName: string,
    contextId?: ReturnType<typeof ContextIdFactory.create>,
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
      PIPELINE,
      MCP_CONTEXT_TYPE,
    );
  }
}
