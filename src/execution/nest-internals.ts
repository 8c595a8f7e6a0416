/**
 * Every read of Nest that its public API does not offer, in one file: deep imports of constants and helpers, and the
 * private fields of `ExternalContextCreator` the invocation plans need. `test/unit/nest-internals.spec.ts` fails
 * loudly when a Nest upgrade moves any of them; at runtime a missing one makes the module take the safe path (the
 * whole pipeline, every guard) or fail at startup, never skip a guard.
 */
import type { CanActivate } from '@nestjs/common';
import type { ContextId, ExternalContextCreator } from '@nestjs/core';

export {
  EXCEPTION_FILTERS_METADATA,
  FILTER_CATCH_EXCEPTIONS,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
export { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
export { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
export type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator.js';
export type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';

/** The parts of Nest's `ApplicationConfig` read here. */
interface GlobalEnhancers {
  getGlobalGuards?(): unknown[];
  getGlobalRequestGuards?(): unknown[];
  getGlobalPipes?(): unknown[];
  getGlobalRequestPipes?(): unknown[];
  getGlobalInterceptors?(): unknown[];
  getGlobalRequestInterceptors?(): unknown[];
}

interface CreatorInternals {
  guardsContextCreator?: {
    config?: GlobalEnhancers;
    create(instance: object, callback: Function, module: string, contextId?: ContextId, inquirerId?: string): CanActivate[];
  };
  pipesContextCreator?: { config?: GlobalEnhancers };
  interceptorsContextCreator?: { config?: GlobalEnhancers };
  getHostModuleKey?(instance: object, classRef: Function, inquirerId?: string): string | undefined;
  getContextModuleKey?(classRef: Function): string;
}

const internals = (creator: ExternalContextCreator) => creator as unknown as CreatorInternals;

/** A list's length, or undefined when the getter is missing (an unknown Nest: the caller assumes the worst). */
function count(list: (() => unknown[]) | undefined, self: unknown): number | undefined {
  if (typeof list !== 'function') return undefined;
  const value = list.call(self);
  return Array.isArray(value) ? value.length : undefined;
}

/** Whether the app has global guards (APP_GUARD, useGlobalGuards); true when Nest does not let us see them. */
export function hasGlobalGuards(creator: ExternalContextCreator): boolean {
  const config = internals(creator).guardsContextCreator?.config;
  const total = [count(config?.getGlobalGuards, config), count(config?.getGlobalRequestGuards, config)];
  return total.some((n) => n === undefined || n > 0);
}

/** Whether the app has global pipes or interceptors (APP_PIPE, useGlobalPipes, ...); true when unsure. */
export function hasGlobalPipesOrInterceptors(creator: ExternalContextCreator): boolean {
  const pipes = internals(creator).pipesContextCreator?.config;
  const interceptors = internals(creator).interceptorsContextCreator?.config;
  const total = [
    count(pipes?.getGlobalPipes, pipes),
    count(pipes?.getGlobalRequestPipes, pipes),
    count(interceptors?.getGlobalInterceptors, interceptors),
    count(interceptors?.getGlobalRequestInterceptors, interceptors),
  ];
  return total.some((n) => n === undefined || n > 0);
}

/**
 * The guard instances Nest would run for this method (global, then class, then method), resolved exactly as
 * `ExternalContextCreator.create` resolves them, so the list phase can run some of them with the real handler.
 * Throws when Nest's internals moved: the module then refuses to start rather than skip a guard.
 */
export function resolveGuards(
  creator: ExternalContextCreator,
  instance: object,
  method: Function,
  contextId?: ContextId,
  inquirerId?: string,
): CanActivate[] {
  const nest = internals(creator);
  const classRef = instance.constructor;
  if (typeof nest.guardsContextCreator?.create !== 'function' || typeof nest.getContextModuleKey !== 'function') {
    throw new Error('McpAuthModule: this version of @nestjs/core does not expose the guards of a handler; list-safe guards cannot run.');
  }
  const moduleKey = nest.getHostModuleKey?.(instance, classRef, inquirerId) || nest.getContextModuleKey(classRef);
  return nest.guardsContextCreator.create(instance, method, moduleKey, contextId, inquirerId);
}
