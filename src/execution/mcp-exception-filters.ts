import type { ExceptionFilter } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import { EXCEPTION_FILTERS_METADATA, ExecutionContextHost, FILTER_CATCH_EXCEPTIONS } from './nest-internals.js';

interface BoundFilter {
  readonly filter: ExceptionFilter;
  readonly catches: readonly Function[];
}

/** Runs a component's filters; resolves `{ value }` when one handled the exception, undefined otherwise. */
export type McpFilterRunner = (error: unknown, args: unknown[]) => Promise<{ value: unknown } | undefined>;

/**
 * The component's own `@UseFilters()` (method first, then class), applied the way Nest applies them. Global
 * filters (APP_FILTER, useGlobalFilters) are left out on purpose: they are written for HTTP routes and reply on
 * the HTTP response, which belongs to the MCP transport here; a catch-all one would turn every tool error into a
 * 500. Returns undefined when the component has no filters.
 */
export function createFilterRunner(
  moduleRef: ModuleRef,
  classRef: Function,
  method: Function,
): McpFilterRunner | undefined {
  const declared = [
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, method) ?? []) as unknown[]),
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, classRef) ?? []) as unknown[]),
  ];
  if (!declared.length) return undefined;
  const filters: BoundFilter[] = declared.map((entry) => {
    const filter = typeof entry === 'function' ? resolve(moduleRef, entry as new () => ExceptionFilter) : (entry as ExceptionFilter);
    return { filter, catches: (Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ?? []) as Function[] };
  });
  return async (error, args) => {
    const match = filters.find(({ catches }) => !catches.length || catches.some((type) => error instanceof (type as never)));
    if (!match) return undefined;
    const host = new ExecutionContextHost(args, classRef as never, method as never);
    host.setType(MCP_CONTEXT_TYPE);
    const value = await match.filter.catch(error, host);
    // As in Nest: `undefined` means "not handled".
    return value === undefined ? undefined : { value };
  };
}

function resolve(moduleRef: ModuleRef, type: new () => ExceptionFilter): ExceptionFilter {
  try {
    return moduleRef.get(type, { strict: false });
  } catch {
    return new type();
  }
}
