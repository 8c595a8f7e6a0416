import type { CanActivate } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { isListSafe } from '../decorators/mcp-list-safe.decorator.js';
import { MCP_CONTEXT_TYPE, MCP_LIST_SAFE_METADATA } from '../mcp-auth.constants.js';
import { ExecutionContextHost } from './nest-internals.js';
import type { McpInvocation } from './mcp-invocation.js';

/**
 * Runs guards as Nest's guard consumer does — in order, with an `'mcp'` execution context whose class and handler are
 * the component's real ones, a Promise or Observable result awaited — and answers whether every one allowed.
 */
export async function runGuards(guards: readonly CanActivate[], invocation: McpInvocation, classRef: Function, method: Function): Promise<boolean> {
  const context = new ExecutionContextHost([invocation.context.request, invocation.context.response, invocation], classRef as never, method as never);
  context.setType(MCP_CONTEXT_TYPE);
  for (const guard of guards) {
    let result: unknown = guard.canActivate(context);
    if (typeof result !== 'boolean') {
      result = await result;
      if (isObservable(result)) result = await lastValueFrom(result);
    }
    if (!result) return false;
  }
  return true;
}

/** The list-safe guards among resolved ones. */
export function listSafe(guards: readonly CanActivate[]): CanActivate[] {
  return guards.filter((guard) => isListSafe(guard));
}

/** Whether a declared guard (a class, or an instance, as `@UseGuards` and `APP_GUARD` hold them) is marked list-safe. */
export function declaresListSafe(declared: unknown): boolean {
  if (typeof declared === 'function') return Reflect.getMetadata(MCP_LIST_SAFE_METADATA, declared) === true;
  return typeof declared === 'object' && declared !== null && isListSafe(declared);
}
