import { Inject, Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { McpErrorMapper } from '../execution/mcp-error.mapper.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import {
  ALLOW,
  isBuiltinCheck,
  McpAuthorizationError,
  type McpAuthorizationCheck,
  type McpAuthorizationContext,
  type McpCheckHandler,
  type McpCheckOutcome,
} from './mcp-authorization-check.js';
import { evaluateAll } from './mcp-checks.js';

/** A component's checks compiled at bootstrap: server-wide, then the class's `@McpAuthorize`, then its own `auth:`. */
export interface McpCompiledAuthorization {
  readonly checks: readonly McpAuthorizationCheck[];
  /** Only built-in checks: the decision depends on (component, scopes, roles, anonymity) alone and may be cached. */
  readonly pure: boolean;
}

/**
 * Evaluates authorization checks: the one predicate behind both what a caller sees in lists and what it may call.
 * A check that throws `McpAuthorizationError` denies with its message; any other exception is logged with a
 * correlation id and denies (fail closed).
 */
@Injectable()
export class McpAuthorizer {
  private readonly handlers = new Map<Function, McpCheckHandler>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly errors: McpErrorMapper,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  compile(classChecks: readonly McpAuthorizationCheck[], componentChecks: readonly McpAuthorizationCheck[], where: string): McpCompiledAuthorization {
    const checks = [...this.options.authorize, ...classChecks, ...componentChecks];
    let pure = true;
    const visit = (check: McpAuthorizationCheck) => {
      if (Array.isArray(check)) (check as McpAuthorizationCheck[]).forEach(visit);
      else if (isBuiltinCheck(check)) check.children?.forEach(visit);
      else if (typeof check === 'function') {
        pure = false;
        if (isCheckClass(check)) this.resolveHandler(check as Type<McpCheckHandler>, where);
      } else throw new Error(McpMessages.invalidCheck(where));
    };
    checks.forEach(visit);
    return { checks, pure };
  }

  async evaluate(compiled: McpCompiledAuthorization, context: McpAuthorizationContext): Promise<McpCheckOutcome> {
    return compiled.checks.length ? evaluateAll(compiled.checks, (c) => this.run(c, context)) : ALLOW;
  }

  private run = async (check: McpAuthorizationCheck, context: McpAuthorizationContext): Promise<McpCheckOutcome> => {
    try {
      if (Array.isArray(check)) return await evaluateAll(check as McpAuthorizationCheck[], (c) => this.run(c, context));
      if (isBuiltinCheck(check)) return await check.evaluate(context, (c) => this.run(c, context));
      const fn = check as Function;
      const allowed = isCheckClass(fn)
        ? await this.handlers.get(fn)!.check(context)
        : await (fn as (c: McpAuthorizationContext) => boolean | Promise<boolean>)(context);
      return allowed === true ? ALLOW : { allowed: false, scopeOnly: false, requiredScopes: [], failed: fn.name || 'custom check' };
    } catch (error) {
      if (error instanceof McpAuthorizationError) {
        return { allowed: false, scopeOnly: false, requiredScopes: [], failed: 'McpAuthorizationError', message: error.message };
      }
      this.errors.mask(error, `authorization check of ${context.component.handler}`);
      return { allowed: false, scopeOnly: false, requiredScopes: [], failed: 'check threw' };
    }
  };

  private resolveHandler(type: Type<McpCheckHandler>, where: string): void {
    if (this.handlers.has(type)) return;
    let handler: McpCheckHandler | undefined;
    try {
      handler = this.moduleRef.get(type, { strict: false });
    } catch {
      handler = undefined;
    }
    if (!handler || typeof handler.check !== 'function') throw new Error(McpMessages.checkClassMissing(type.name, where));
    this.handlers.set(type, handler);
  }
}

function isCheckClass(fn: Function): boolean {
  return typeof fn.prototype?.check === 'function';
}
