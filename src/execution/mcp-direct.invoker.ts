import { isObservable, lastValueFrom } from 'rxjs';
import { mcpArgsFactory, mcpContextFactory, mcpPrincipalFactory } from '../decorators/mcp-params.decorator.js';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import { ExecutionContextHost, INTERCEPTORS_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from './nest-internals.js';
import type { McpHandlerInvoker } from './mcp-invocation.js';

/** The module's own parameter decorators: what they resolve to depends only on the invocation. */
const OWN_PARAM_FACTORIES: ReadonlySet<unknown> = new Set([mcpArgsFactory, mcpPrincipalFactory, mcpContextFactory]);

interface OwnParam {
  readonly index: number;
  readonly data: unknown;
  readonly factory: (data: unknown, ctx: ExecutionContextHost) => unknown;
}

type Instance = Record<string, (...args: unknown[]) => unknown>;

/**
 * What `ExternalContextCreator` would do for a method with nothing of Nest's to apply — no pipes or interceptors on
 * the class or the method, parameters all the module's own decorators without pipes — without its per-call
 * machinery: the parameters are resolved from the same `'mcp'` execution context, the method is called, an
 * Observable result becomes its last value. Undefined when anything else applies (the caller has already ruled out
 * guards and global enhancers). Held to the pipeline by `test/e2e/handler-invocation.spec.ts`.
 */
export function createDirectInvoker(instance: Instance, methodName: string): McpHandlerInvoker | undefined {
  const method = instance[methodName];
  const classRef = instance.constructor;
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
  return (invocation) => {
    const context = new ExecutionContextHost([invocation.context.request, invocation.context.response, invocation], classRef as never, method as never);
    context.setType(MCP_CONTEXT_TYPE);
    const values: unknown[] = new Array(length).fill(undefined);
    for (const { index, data, factory } of params) values[index] = factory(data, context);
    let result: unknown;
    try {
      result = method.apply(instance, values);
    } catch (error) {
      return Promise.reject(error);
    }
    if (isObservable(result)) return lastValueFrom(result);
    // A promise is awaited, as Nest does, in case it resolves to an Observable.
    if (result instanceof Promise) return result.then((settled: unknown) => (isObservable(settled) ? lastValueFrom(settled) : settled));
    return Promise.resolve(result);
  };
}
