import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { McpAuthError } from './mcp-auth.error.js';
import { ANONYMOUS, type McpAuthResult } from './mcp-auth-result.js';
import {
  isAuthenticatorFactory,
  McpAuthenticator,
  type McpAuthenticateFn,
  type McpAuthenticatorSpec,
  type McpAuthRequest,
} from './mcp-authenticator.js';
import { requireScopes } from './scopes.js';

/** The request carried no credentials at all (401 without an `error`, RFC 6750 §3.1). */
export class McpCredentialsMissing extends Error {
  constructor() {
    super('no credentials');
    this.name = 'McpCredentialsMissing';
  }
}

// RFC 6750 §2.1: b64token after "Bearer" and one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Runs the configured authenticators in order and returns one normalized result, or throws `McpAuthError`
 * (refused) / `McpCredentialsMissing` (nothing to go on). Built once at startup.
 */
@Injectable()
export class McpAuthenticationService implements OnModuleInit {
  private readonly logger = new Logger('McpAuthModule');
  private chain: McpAuthenticator[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const setup = { moduleRef: this.moduleRef, resource: this.options.resource };
    this.chain = [];
    for (const spec of this.options.authenticate) this.chain.push(await this.build(spec, setup));
  }

  /** What authenticators see of an HTTP request: only the `Authorization` header carries tokens. */
  fromHttp(request: unknown, response: unknown): McpAuthRequest {
    const raw = request as { headers?: Record<string, string | string[] | undefined>; raw?: { headers?: unknown } };
    const headers = (raw?.headers ?? {}) as Record<string, string | string[] | undefined>;
    const header = headers.authorization;
    const authorization = Array.isArray(header) ? header.join(', ') : header;
    if (authorization !== undefined && authorization.length > this.options.maxTokenLength) {
      throw new McpAuthError('invalid_token'); // oversize: refused before any parsing work
    }
    const bearer = authorization?.match(BEARER)?.[1];
    if (authorization !== undefined && /^bearer(\s|$)/i.test(authorization) && !bearer) {
      throw new McpAuthError('invalid_token'); // "Bearer" with an empty or malformed token
    }
    return { token: bearer, headers, raw: request, response, transport: 'http' };
  }

  async authenticate(request: McpAuthRequest): Promise<McpAuthResult> {
    for (const authenticator of this.chain) {
      let result: McpAuthResult | null;
      try {
        result = await authenticator.authenticate(request);
      } catch (error) {
        if (error instanceof McpAuthError) throw error;
        // An authenticator that breaks refuses the request: fail closed, and keep the cause in the log.
        this.logger.error(`An authenticator failed: ${(error as Error)?.stack ?? error}`);
        throw new McpAuthError('invalid_token');
      }
      if (result) {
        requireScopes(result, this.options.requiredScopes);
        return result;
      }
    }
    // With no authenticator at all (a public server) credentials are not this module's to judge: the app's own
    // guards may read them. Otherwise credentials nobody accepted are invalid.
    if (this.chain.length && (request.token !== undefined || hasAuthorization(request))) throw new McpAuthError('invalid_token');
    // With server-wide required scopes an anonymous caller could do nothing: ask it to authenticate instead.
    if (this.options.allowAnonymous && !this.options.requiredScopes.length) return ANONYMOUS;
    throw new McpCredentialsMissing();
  }

  private async build(spec: McpAuthenticatorSpec, setup: { moduleRef: ModuleRef; resource?: string }): Promise<McpAuthenticator> {
    if (isAuthenticatorFactory(spec)) return spec.create(setup);
    if (spec === McpAuthenticator) return this.moduleRef.get<McpAuthenticator>(McpAuthenticator, { strict: false });
    if (typeof spec === 'function' && isClass(spec)) {
      try {
        return this.moduleRef.get(spec as never, { strict: false }) as McpAuthenticator;
      } catch {
        throw new Error(McpMessages.authenticatorClassMissing(spec.name));
      }
    }
    const fn = spec as McpAuthenticateFn;
    return { authenticate: (request) => fn(request) };
  }
}

function hasAuthorization(request: McpAuthRequest): boolean {
  return request.headers.authorization !== undefined;
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn)) || (fn.prototype && Object.getOwnPropertyNames(fn.prototype).length > 1);
}
