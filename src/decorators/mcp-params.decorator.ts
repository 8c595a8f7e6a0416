import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getMcpPrincipal, type McpPrincipal as McpPrincipalShape } from '../authentication/mcp-principal.js';
import { MCP_CONTEXT_TYPE } from '../mcp-auth.constants.js';
import type { McpContext as McpContextShape } from '../execution/mcp-context.js';
import { MCP_INVOCATION_INDEX, type McpInvocation } from '../execution/mcp-invocation.js';

const invocationOf = (ctx: ExecutionContext) => ctx.getArgByIndex<McpInvocation>(MCP_INVOCATION_INDEX);

/** @internal The factory identifies `@McpArgs()` parameters at discovery. */
export const mcpArgsFactory = (property: string | undefined, ctx: ExecutionContext): unknown => {
  const args = invocationOf(ctx)?.arguments as Record<string, unknown> | undefined;
  return property === undefined ? args : args?.[property];
};

/**
 * The validated arguments of the call: the whole DTO, or one property (`@McpArgs('id')`). Type the parameter
 * with a class-validator DTO and its schema is advertised and enforced.
 */
export const McpArgs = createParamDecorator(mcpArgsFactory);

/** @internal The factory of `@McpPrincipal()`. */
export const mcpPrincipalFactory = (field: keyof McpPrincipalShape | 'sub' | undefined, ctx: ExecutionContext): unknown => {
  const principal =
    ctx.getType<string>() === MCP_CONTEXT_TYPE
      ? invocationOf(ctx)?.principal
      : getMcpPrincipal(ctx.switchToHttp().getRequest());
  if (field === undefined) return principal;
  // 'sub' is the subject itself, the field asked for most.
  return field === 'sub' ? principal?.principal.sub : principal?.[field];
};

/**
 * The normalized principal of the caller, or one of its fields (`@McpPrincipal('sub')`, `@McpPrincipal('scopes')`). Also works on the
 * app's own HTTP routes guarded by `McpAuthenticationGuard`.
 * @example `@McpPrincipal() who: McpPrincipal<MyClaims>`
 */
export const McpPrincipal = createParamDecorator(mcpPrincipalFactory);

/**
 * The one normalized result of authentication that handlers, guards, checks and logs all read (the type of what
 * `@McpPrincipal()` injects), generic over the app's own claims.
 */
export type McpPrincipal<TClaims extends object = Record<string, unknown>> = McpPrincipalShape<TClaims>;

/** @internal The factory of `@McpContext()`. */
export const mcpContextFactory = (_data: unknown, ctx: ExecutionContext): unknown => invocationOf(ctx)?.context;

/** The request's `McpContext`: progress, logging to the client, abort signal, session id, HTTP request. */
export const McpContext = createParamDecorator(mcpContextFactory);

/** The type of what `@McpContext()` injects. */
export type McpContext = McpContextShape;
