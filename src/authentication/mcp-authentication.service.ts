import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';
import { ANONYMOUS, type McpPrincipal } from './mcp-principal.js';
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
 * Runs the configured authenticators in order and returns one normalized result, or throws `McpAuthenticationError`
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
    // RFC 6750 §3.1: more than one credential is invalid_request. Node keeps only the first `Authorization` line;
    // a proxy may read another, so a repeated header is refused rather than resolved.
    const repeated = authorization !== undefined && (Array.isArray(header) ? header.length > 1 : repeatsAuthorization(request as RawHeadersSource));
    if (repeated) {
      throw new McpAuthenticationError('invalid_request', 'The request carries more than one Authorization header');
    }
    if (authorization !== undefined && authorization.length > this.options.maxTokenLength) {
      throw new McpAuthenticationError('invalid_token'); // oversize: refused before any parsing work
    }
    const bearer = authorization?.match(BEARER)?.[1];
    if (authorization !== undefined && /^bearer(\s|$)/i.test(authorization) && !bearer) {
      throw new McpAuthenticationError('invalid_token'); // "Bearer" with an empty or malformed token
    }
    return { token: bearer, headers, raw: request, response, transport: 'http' };
  }

  async authenticate(request: McpAuthRequest): Promise<McpPrincipal> {
    return this.resolve(request);
  }

  /**
   * @internal The same decision as `authenticate`, made synchronously when every authenticator it asks answers
   * synchronously (no credentials, a static token, a JWT already verified): it then returns the result or throws.
   */
  resolve(request: McpAuthRequest): McpPrincipal | Promise<McpPrincipal> {
    return this.from(request, 0);
  }

  /** The chain from `index` on: the first result wins, `null` falls through. */
  private from(request: McpAuthRequest, index: number): McpPrincipal | Promise<McpPrincipal> {
    for (let i = index; i < this.chain.length; i++) {
      let result: ReturnType<McpAuthenticator['authenticate']>;
      try {
        result = this.chain[i]!.authenticate(request);
      } catch (error) {
        throw this.refusal(error);
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (settled) => (settled ? this.accept(settled) : this.from(request, i + 1)),
          (error: unknown) => {
            throw this.refusal(error);
          },
        );
      }
      if (result) return this.accept(result);
    }
    // With no authenticator at all (a public server) credentials are not this module's to judge: the app's own
    // guards may read them. Otherwise credentials nobody accepted are invalid.
    if (this.chain.length && (request.token !== undefined || hasAuthorization(request))) throw new McpAuthenticationError('invalid_token');
    // With server-wide required scopes an anonymous caller could do nothing: ask it to authenticate instead.
    if (this.options.allowAnonymous && !this.options.requiredScopes.length) return ANONYMOUS;
    throw new McpCredentialsMissing();
  }

  private accept(result: McpPrincipal): McpPrincipal {
    requireScopes(result, this.options.requiredScopes);
    return result;
  }

  /** An authenticator's failure: its own refusal stands; anything else refuses the request (fail closed), logged. */
  private refusal(error: unknown): McpAuthenticationError {
    if (error instanceof McpAuthenticationError) return error;
    this.logger.error(`An authenticator failed: ${(error as Error)?.stack ?? error}`);
    return new McpAuthenticationError('invalid_token');
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

function isThenable(value: unknown): value is PromiseLike<McpPrincipal | null> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

interface RawHeadersSource {
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
}

/** Whether `Authorization` appears more than once: one pass over the raw name/value pairs, no allocation. */
function repeatsAuthorization(request: RawHeadersSource): boolean {
  const raw = request.rawHeaders ?? request.raw?.rawHeaders; // Express: the request itself; Fastify: `request.raw`
  if (!raw) return false;
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 13 || (name !== 'Authorization' && name !== 'authorization' && !AUTHORIZATION.test(name))) continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
const AUTHORIZATION = /^authorization$/i;

function hasAuthorization(request: McpAuthRequest): boolean {
  return request.headers.authorization !== undefined;
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn)) || (fn.prototype && Object.getOwnPropertyNames(fn.prototype).length > 1);
}
