import { isIP } from 'node:net';
import type { ValidatorOptions } from 'class-validator';
import type { McpAuthResultInit } from './authentication/mcp-auth-result.js';
import type { McpAuthenticatorSpec } from './authentication/mcp-authenticator.js';
import type { McpAuthCheck } from './authorization/mcp-auth-check.js';
import type { McpAuthDecision } from './authorization/mcp-authorizer.js';
import { McpMessages } from './mcp-auth.messages.js';

/** How the Streamable HTTP endpoint behaves. */
export interface McpHttpOptions {
  /** Route of the MCP endpoint, under the app's global prefix and versioning. Default `/mcp`. */
  path?: string;
  /**
   * `stateless` (default): every POST stands alone and is answered with JSON.
   * `stateful`: `initialize` opens a session (`Mcp-Session-Id`), responses stream as SSE, GET opens the
   * session's notification stream and DELETE ends it.
   */
  mode?: 'stateless' | 'stateful';
  /**
   * Origins allowed besides the request's own (MCP transport spec: a present, disallowed `Origin` gets 403,
   * against DNS rebinding). Exact origins such as `https://app.example.com`, or `'*'` to allow any.
   */
  allowedOrigins?: string[];
  /** A stateful session unused for this long is closed. Default 30 minutes. */
  sessionIdleTimeoutMs?: number;
  /**
   * Host names (optionally `host:port`) requests may address, against DNS rebinding. Default: automatic — a
   * request that arrives on a loopback address must name `localhost`, `127.0.0.1` or `[::1]`; others pass. Give a
   * list to enforce it everywhere, or `['*']` to turn the check off.
   */
  allowedHosts?: string[];
  /** Peer addresses of reverse proxies whose `X-Forwarded-Host` is believed. Default none (the header is ignored). */
  trustedProxies?: string[];
  /** Larger request bodies get 413. Default 1 MiB. The MCP route's own limit, in place of the framework's JSON limit. */
  maxBodyBytes?: number;
  /** Deeper JSON nesting in a request is refused with -32600. Default 64. */
  maxJsonDepth?: number;
  /** Larger JSON-RPC batches are refused with -32600. Default 32. */
  maxBatchSize?: number;
  /** Open sessions in total; past it `initialize` gets 503. Default 10,000. */
  maxSessions?: number;
  /** Open sessions per principal; past it the principal's least recently used session is closed. Default 16. */
  maxSessionsPerPrincipal?: number;
  /** Interval of SSE keep-alive comments on open streams. Default 25 s. */
  keepAliveMs?: number;
}

/** Options of `McpAuthModule.forRoot()` / `forRootAsync()`. */
export interface McpAuthModuleOptions {
  /** Server name sent to clients in `initialize`. */
  name: string;
  /** Server version sent to clients in `initialize`. */
  version: string;
  /** Human-readable server title. */
  title?: string;
  /** Instructions sent to clients in `initialize`. */
  instructions?: string;
  /** The Streamable HTTP endpoint; `false` serves no HTTP route (stdio only). */
  http?: McpHttpOptions | false;
  /**
   * Unexpected errors reach clients as "Internal error (reference: <id>)" and the server log holds the detail
   * under the same id. Set `false` in development to send the error's own message. Default `true`.
   */
  maskErrorDetails?: boolean;
  /**
   * class-validator options for argument DTOs. Defaults: `whitelist: true`, `forbidNonWhitelisted: true`
   * (unknown properties are refused and the advertised schema says `additionalProperties: false`).
   */
  validation?: ValidatorOptions;

  /**
   * The canonical URL of the MCP endpoint as clients reach it (RFC 8707 / RFC 9728), e.g.
   * `https://api.example.com/mcp`. Tokens must carry it as audience unless an authenticator names its own, and it
   * is the `resource` of the protected resource metadata. Required with authenticators; never taken from `Host`.
   */
  resource?: string;
  /** Issuers clients obtain tokens from (RFC 9728 `authorization_servers`). Default: the JWT authenticators' issuers. */
  authorizationServers?: string[];
  /**
   * Authenticators tried in order: the first result wins, "no credentials for me" (`null`) falls through, an
   * explicit refusal (`McpAuthError`) stops the chain.
   */
  authenticate?: McpAuthenticatorSpec[];
  /** Requests without credentials get the anonymous principal instead of 401 (bad credentials are still refused). */
  allowAnonymous?: boolean;
  /** Scopes every request must hold: 403 `insufficient_scope` otherwise. */
  requiredScopes?: string[];
  /** More scopes to advertise in `scopes_supported` (those named by checks and options are added automatically). */
  scopesSupported?: string[];
  /** A page about this resource, advertised as `resource_documentation`. */
  resourceDocumentation?: string;
  /** Human-readable name advertised as `resource_name`. */
  resourceName?: string;
  /** Longer `Authorization` headers are refused before any parsing. Default 8192. */
  maxTokenLength?: number;
  /** Who the stdio connection runs as (stdio never skips authentication silently). */
  stdio?: McpStdioAuthOptions;
  /** Server-wide authorization checks, applied to every component before its own. */
  authorize?: McpAuthCheck[];
  /**
   * What a denied caller learns. `hide` (default): the same error as a component that does not exist.
   * `challenge`: when only scope checks failed, HTTP 403 `insufficient_scope` naming the scopes to ask for (step-up).
   * Components may override it.
   */
  onDenied?: 'hide' | 'challenge';
  /** Called with every authorization decision (also logged at debug level). Never receives a token. */
  onAuthDecision?: (decision: McpAuthDecision) => void;
}

export interface McpStdioAuthOptions {
  /** Environment variable holding an access token, verified by the same authenticators. Default `MCP_ACCESS_TOKEN`. */
  tokenEnv?: string;
  /** A fixed principal for the stdio connection, used when no token is in the environment. */
  principal?: McpAuthResultInit;
}

/** The options with every default filled in; the only shape the rest of the module reads. */
export interface McpResolvedOptions {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  readonly instructions?: string;
  readonly http: Readonly<Required<McpHttpOptions>> | false;
  readonly maskErrorDetails: boolean;
  readonly validation: Readonly<ValidatorOptions>;
  readonly resource?: string;
  /** Where the protected resource metadata is served (path form), when `resource` is set. */
  readonly resourceMetadataUrl?: string;
  readonly authorizationServers: readonly string[];
  readonly authenticate: readonly McpAuthenticatorSpec[];
  readonly allowAnonymous: boolean;
  readonly requiredScopes: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly resourceDocumentation?: string;
  readonly resourceName?: string;
  readonly maxTokenLength: number;
  readonly stdio: { readonly tokenEnv: string; readonly principal?: McpAuthResultInit };
  readonly authorize: readonly McpAuthCheck[];
  readonly onDenied: 'hide' | 'challenge';
  readonly onAuthDecision?: (decision: McpAuthDecision) => void;
}

export const MCP_DEFAULTS = {
  path: '/mcp',
  mode: 'stateless',
  allowedOrigins: [] as string[],
  sessionIdleTimeoutMs: 30 * 60_000,
  maxBodyBytes: 1024 * 1024,
  maxJsonDepth: 64,
  maxBatchSize: 32,
  maxSessions: 10_000,
  maxSessionsPerPrincipal: 16,
  keepAliveMs: 25_000,
  maskErrorDetails: true,
  validation: { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } satisfies ValidatorOptions,
  maxTokenLength: 8192,
  stdioTokenEnv: 'MCP_ACCESS_TOKEN',
} as const;

/** Checks the user's options and fills in defaults. Throws at startup with a message that says what to change. */
export function resolveMcpOptions(options: McpAuthModuleOptions): McpResolvedOptions {
  if (!options || typeof options !== 'object') {
    throw new Error(McpMessages.optionInvalid('options', 'an object', options));
  }
  requireString(options.name, 'name', 'Set it to the name clients should see, e.g. { name: "notes" }.');
  requireString(options.version, 'version', 'Set it to your server version, e.g. { version: "1.0.0" }.');
  optionalString(options.title, 'title');
  optionalString(options.instructions, 'instructions');
  if (options.maskErrorDetails !== undefined && typeof options.maskErrorDetails !== 'boolean') {
    throw new Error(McpMessages.optionInvalid('maskErrorDetails', 'a boolean', options.maskErrorDetails));
  }
  if (options.validation !== undefined && (typeof options.validation !== 'object' || options.validation === null)) {
    throw new Error(McpMessages.optionInvalid('validation', 'class-validator ValidatorOptions', options.validation));
  }
  const http = options.http === false ? false : resolveHttp(options.http ?? {});
  const authenticate = options.authenticate ?? [];
  if (!Array.isArray(authenticate)) throw new Error(McpMessages.optionInvalid('authenticate', 'an array of authenticators', authenticate));
  authenticate.forEach((spec, index) => {
    if (typeof spec !== 'function' && typeof spec !== 'symbol' && !(spec && typeof (spec as { create?: unknown }).create === 'function')) {
      throw new Error(McpMessages.authenticatorInvalid(index));
    }
  });
  const allowAnonymous = options.allowAnonymous ?? false;
  if (typeof allowAnonymous !== 'boolean') throw new Error(McpMessages.optionInvalid('allowAnonymous', 'a boolean', allowAnonymous));
  if (http && !authenticate.length && !allowAnonymous) throw new Error(McpMessages.noAuthenticator());
  const resource = options.resource === undefined ? undefined : resolveResource(options.resource);
  if (http && authenticate.length && !resource) throw new Error(McpMessages.resourceRequired());
  const issuers = authenticate.flatMap((spec) => (spec as { issuers?: readonly string[] }).issuers ?? []);
  const authorizationServers = options.authorizationServers ?? [...new Set(issuers)];
  if (!Array.isArray(authorizationServers) || authorizationServers.some((s) => !isHttpUrl(s))) {
    throw new Error(McpMessages.optionInvalid('authorizationServers', 'an array of issuer URLs', authorizationServers));
  }
  const requiredScopes = scopeList(options.requiredScopes, 'requiredScopes');
  const scopesSupported = scopeList(options.scopesSupported, 'scopesSupported');
  const maxTokenLength = options.maxTokenLength ?? MCP_DEFAULTS.maxTokenLength;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 256) {
    throw new Error(McpMessages.optionInvalid('maxTokenLength', 'an integer of at least 256', maxTokenLength));
  }
  const stdio = options.stdio ?? {};
  const tokenEnv = stdio.tokenEnv ?? MCP_DEFAULTS.stdioTokenEnv;
  if (typeof tokenEnv !== 'string' || !tokenEnv) throw new Error(McpMessages.optionInvalid('stdio.tokenEnv', 'a variable name', tokenEnv));
  if (stdio.principal !== undefined && typeof stdio.principal?.principal?.sub !== 'string') {
    throw new Error(McpMessages.optionInvalid('stdio.principal', '{ principal: { sub }, scopes?, roles? }', stdio.principal));
  }
  optionalString(options.resourceDocumentation, 'resourceDocumentation');
  const authorize = options.authorize ?? [];
  if (!Array.isArray(authorize)) throw new Error(McpMessages.optionInvalid('authorize', 'an array of checks', authorize));
  const onDenied = options.onDenied ?? 'hide';
  if (onDenied !== 'hide' && onDenied !== 'challenge') throw new Error(McpMessages.optionInvalid('onDenied', '"hide" or "challenge"', onDenied));
  if (options.onAuthDecision !== undefined && typeof options.onAuthDecision !== 'function') {
    throw new Error(McpMessages.optionInvalid('onAuthDecision', 'a function', options.onAuthDecision));
  }
  optionalString(options.resourceName, 'resourceName');
  return {
    name: options.name,
    version: options.version,
    title: options.title,
    instructions: options.instructions,
    http,
    maskErrorDetails: options.maskErrorDetails ?? MCP_DEFAULTS.maskErrorDetails,
    validation: { ...MCP_DEFAULTS.validation, ...options.validation },
    resource,
    resourceMetadataUrl: resource ? protectedResourceMetadataUrl(resource) : undefined,
    authorizationServers,
    authenticate,
    allowAnonymous,
    requiredScopes,
    scopesSupported,
    resourceDocumentation: options.resourceDocumentation,
    resourceName: options.resourceName,
    maxTokenLength,
    stdio: { tokenEnv, principal: stdio.principal },
    authorize,
    onDenied,
    onAuthDecision: options.onAuthDecision,
  };
}

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

function resolveResource(value: unknown): string {
  if (typeof value !== 'string' || !isHttpUrl(value)) {
    throw new Error(McpMessages.optionInvalid('resource', 'the absolute http(s) URL of the MCP endpoint', value));
  }
  const url = new URL(value);
  if (url.hash || value.includes('#')) throw new Error(McpMessages.optionInvalid('resource', 'a URL without a fragment (RFC 8707)', value));
  return value.length > url.origin.length + 1 ? value.replace(/\/+$/, '') : url.origin;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function scopeList(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
    throw new Error(McpMessages.optionInvalid(path, 'an array of scope tokens (RFC 6749 §3.3)', value));
  }
  return [...value];
}

function resolveHttp(http: McpHttpOptions): Required<McpHttpOptions> {
  if (typeof http !== 'object' || http === null) {
    throw new Error(McpMessages.optionInvalid('http', 'an object or false', http));
  }
  const path = http.path ?? MCP_DEFAULTS.path;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path.includes('//')) {
    throw new Error(McpMessages.optionInvalid('http.path', 'a route path starting with "/" such as "/mcp"', path));
  }
  const mode = http.mode ?? MCP_DEFAULTS.mode;
  if (mode !== 'stateless' && mode !== 'stateful') {
    throw new Error(McpMessages.optionInvalid('http.mode', '"stateless" or "stateful"', mode));
  }
  const allowedOrigins = http.allowedOrigins ?? MCP_DEFAULTS.allowedOrigins;
  if (!Array.isArray(allowedOrigins) || allowedOrigins.some((o) => typeof o !== 'string' || !isOriginPattern(o))) {
    throw new Error(
      McpMessages.optionInvalid('http.allowedOrigins', 'an array of origins like "https://app.example.com" or "*"', allowedOrigins),
    );
  }
  const sessionIdleTimeoutMs = http.sessionIdleTimeoutMs ?? MCP_DEFAULTS.sessionIdleTimeoutMs;
  if (!Number.isInteger(sessionIdleTimeoutMs) || sessionIdleTimeoutMs < 1000) {
    throw new Error(McpMessages.optionInvalid('http.sessionIdleTimeoutMs', 'an integer of at least 1000', sessionIdleTimeoutMs));
  }
  const allowedHosts = http.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string' || !/^(\*|[A-Za-z0-9.\-]+|\[[0-9a-fA-F:.]+\])(:\d+)?$/.test(h))) {
    throw new Error(McpMessages.optionInvalid('http.allowedHosts', 'an array of host names such as "api.example.com" or "*"', allowedHosts));
  }
  const trustedProxies = http.trustedProxies ?? [];
  if (!Array.isArray(trustedProxies) || trustedProxies.some((p) => typeof p !== 'string' || !isIP(p))) {
    throw new Error(McpMessages.optionInvalid('http.trustedProxies', 'an array of IP addresses', trustedProxies));
  }
  const limit = (name: keyof typeof MCP_DEFAULTS & keyof McpHttpOptions, min: number): number => {
    const value = (http[name] as number | undefined) ?? (MCP_DEFAULTS[name] as number);
    if (!Number.isInteger(value) || value < min) throw new Error(McpMessages.optionInvalid(`http.${name}`, `an integer of at least ${min}`, value));
    return value;
  };
  const normalizedPath = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return {
    path: normalizedPath,
    mode,
    allowedOrigins: allowedOrigins.map(normalizeOrigin),
    sessionIdleTimeoutMs,
    allowedHosts: allowedHosts.map((h) => h.toLowerCase()),
    trustedProxies,
    maxBodyBytes: limit('maxBodyBytes', 1024),
    maxJsonDepth: limit('maxJsonDepth', 2),
    maxBatchSize: limit('maxBatchSize', 1),
    maxSessions: limit('maxSessions', 1),
    maxSessionsPerPrincipal: limit('maxSessionsPerPrincipal', 1),
    keepAliveMs: limit('keepAliveMs', 1000),
  };
}

function isOriginPattern(value: string): boolean {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

function normalizeOrigin(value: string): string {
  return value === '*' ? value : new URL(value).origin;
}

function requireString(value: unknown, path: string, hint: string): void {
  if (value === undefined || value === null || value === '') throw new Error(McpMessages.optionRequired(path, hint));
  if (typeof value !== 'string') throw new Error(McpMessages.optionInvalid(path, 'a string', value));
}

function optionalString(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'string') throw new Error(McpMessages.optionInvalid(path, 'a string', value));
}
