import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';
import { getMcpPrincipal, setMcpPrincipal, type McpPrincipal } from './mcp-principal.js';
import { McpAuthenticationService, McpCredentialsMissing } from './mcp-authentication.service.js';
import { buildChallenge } from './mcp-challenge.js';

/**
 * Authenticates the request with the configured authenticators and stores the normalized result on it; a failure
 * becomes the HTTP challenge (401/403 with `WWW-Authenticate`). The module puts it on its MCP route; apps may put it
 * on their own routes too (`@UseGuards(McpAuthenticationGuard)`) and read the same principal with `@McpPrincipal()`.
 * Subclass it and override the protected hooks, like `AuthGuard` from `@nestjs/passport`; give the subclass as the
 * module's `authenticationGuard` option and the MCP route uses it too.
 */
@Injectable()
export class McpAuthenticationGuard implements CanActivate {
  constructor(
    protected readonly authentication: McpAuthenticationService,
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(MCP_RESOLVED_OPTIONS) protected readonly options: McpResolvedOptions,
  ) {}

  /** Synchronous when every authenticator asked answers synchronously (no credentials, a static token, a cached JWT). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = this.getRequest(context);
    if (getMcpPrincipal(request)) return true; // already authenticated earlier in this request's guard chain
    let outcome: McpPrincipal | Promise<McpPrincipal>;
    try {
      outcome = this.authentication.resolve(this.authentication.fromHttp(request, this.getResponse(context)));
    } catch (error) {
      return this.store(request, error, undefined, context);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => this.store(request, undefined, result, context),
        (error: unknown) => this.store(request, error, undefined, context),
      );
    }
    return this.store(request, undefined, outcome, context);
  }

  private store(request: unknown, error: unknown, result: McpPrincipal | undefined, context: ExecutionContext): true {
    setMcpPrincipal(request, this.handleRequest(error, result, context));
    return true;
  }

  /** The HTTP request to authenticate. */
  protected getRequest(context: ExecutionContext): unknown {
    return context.getArgByIndex(0); // what switchToHttp().getRequest() returns, without building the host object
  }

  protected getResponse(context: ExecutionContext): unknown {
    return context.getArgByIndex(1);
  }

  /** Returns the result to store, or throws. Override to accept, veto or reshape results. */
  protected handleRequest(error: unknown, result: McpPrincipal | undefined, context: ExecutionContext): McpPrincipal {
    if (result && !error) return result;
    throw this.challenge(error, context);
  }

  /** Sets `WWW-Authenticate` on the response and returns the exception to throw. */
  protected challenge(error: unknown, context: ExecutionContext): Error {
    return challengeFor(error, this.getResponse(context), this.options, this.adapterHost);
  }
}

/**
 * @internal An authentication failure as the HTTP answer: sets `WWW-Authenticate` on the response and returns the
 * exception to throw (401/403); anything that is not an authentication failure is returned as it is.
 */
export function challengeFor(error: unknown, response: unknown, options: McpResolvedOptions, adapterHost: HttpAdapterHost): Error {
  if (!(error instanceof McpAuthenticationError) && !(error instanceof McpCredentialsMissing)) return error as Error;
  const challenge = buildChallenge(error instanceof McpAuthenticationError ? error : undefined, {
    resourceMetadataUrl: options.resourceMetadataUrl,
    scopes: options.requiredScopes,
  });
  adapterHost.httpAdapter.setHeader(response, 'WWW-Authenticate', challenge.header);
  return challenge.exception;
}
