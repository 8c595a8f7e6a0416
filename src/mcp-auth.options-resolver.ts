import { isIP } from 'node:net';
import { McpMessages } from './mcp-auth.messages.js';
import {
  MCP_DEFAULTS,
  type McpAuthModuleOptions,
  type McpHttpOptions,
  type McpProtocolOptions,
  type McpRemoteAuthorizationServerOptions,
  type McpResolvedOptions,
} from './mcp-auth.options.js';
import { bindPolicy } from './net/mcp-safe-fetch.js';

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
  const protocol = resolveProtocol(options.protocol ?? {});
  const authenticate = options.authenticate ?? [];
  if (!Array.isArray(authenticate)) throw new Error(McpMessages.optionInvalid('authenticate', 'an array of authenticators', authenticate));
  authenticate.forEach((spec, index) => {
    if (typeof spec !== 'function' && typeof spec !== 'symbol' && !(spec && typeof (spec as { create?: unknown }).create === 'function')) {
      throw new Error(McpMessages.authenticatorInvalid(index));
    }
  });
  const authenticationGuard = options.authenticationGuard;
  if (authenticationGuard !== undefined && !isAuthGuardClass(authenticationGuard)) {
    throw new Error(McpMessages.optionInvalid('authenticationGuard', 'a class that extends McpAuthenticationGuard', authenticationGuard));
  }
  const allowAnonymous = options.allowAnonymous ?? false;
  if (typeof allowAnonymous !== 'boolean') throw new Error(McpMessages.optionInvalid('allowAnonymous', 'a boolean', allowAnonymous));
  if (http && !authenticate.length && !allowAnonymous) throw new Error(McpMessages.noAuthenticator());
  const resource = options.resource === undefined ? undefined : resolveResource(options.resource);
  if (http && authenticate.length && !resource) throw new Error(McpMessages.resourceRequired());
  const outbound = options.outbound ?? {};
  try {
    bindPolicy(outbound, 'McpAuthModule', 'outbound.');
  } catch (error) {
    throw new Error((error as Error).message);
  }
  const authorizationServer = options.authorizationServer === undefined ? undefined : resolveAuthorizationServer(options.authorizationServer, outbound.allow ?? []);
  const issuers = authenticate.flatMap((spec) => (spec as { issuers?: readonly string[] }).issuers ?? []);
  const authorizationServers = options.authorizationServers ?? (authorizationServer ? [authorizationServer.issuer] : [...new Set(issuers)]);
  if (!Array.isArray(authorizationServers) || authorizationServers.some((s) => !isHttpUrl(s))) {
    throw new Error(McpMessages.optionInvalid('authorizationServers', 'an array of issuer URLs', authorizationServers));
  }
  if (authorizationServer && !authorizationServers.includes(authorizationServer.issuer)) {
    throw new Error(
      McpMessages.optionInvalid('authorizationServers', `a list that includes authorizationServer.issuer "${authorizationServer.issuer}" (or leave it out)`, authorizationServers),
    );
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
  const logging = resolveLogging(options.logging);
  return {
    name: options.name,
    version: options.version,
    title: options.title,
    instructions: options.instructions,
    http,
    protocol,
    maskErrorDetails: options.maskErrorDetails ?? MCP_DEFAULTS.maskErrorDetails,
    validation: { ...MCP_DEFAULTS.validation, ...options.validation },
    resource,
    resourceMetadataUrl: resource ? protectedResourceMetadataUrl(resource) : undefined,
    authorizationServers,
    authorizationServer,
    outbound,
    authenticate,
    allowAnonymous,
    authenticationGuard,
    requiredScopes,
    scopesSupported,
    resourceDocumentation: options.resourceDocumentation,
    resourceName: options.resourceName,
    maxTokenLength,
    stdio: { tokenEnv, principal: stdio.principal },
    authorize,
    onDenied,
    onAuthDecision: options.onAuthDecision,
    logging,
  };
}

function resolveAuthorizationServer(value: McpRemoteAuthorizationServerOptions, allow: readonly string[]): NonNullable<McpResolvedOptions['authorizationServer']> {
  const where = 'authorizationServer';
  if (!value || typeof value !== 'object') throw new Error(McpMessages.optionInvalid(where, "an object such as { mode: 'remote', issuer: 'https://idp.example.com' }", value));
  if (value.mode !== 'remote') throw new Error(McpMessages.optionInvalid(`${where}.mode`, '"remote" (an existing authorization server issues the tokens)', value.mode));
  // https, unless the app trusts that origin explicitly (tests, internal IdPs): the same rule mcpSafeFetch applies.
  const issuerUrl = (path: string, url: unknown): void => {
    const parsed = typeof url === 'string' && isHttpUrl(url) ? new URL(url) : undefined;
    const secure = parsed && (parsed.protocol === 'https:' || allow.some((entry) => URL.canParse(entry) && new URL(entry).origin === parsed.origin));
    if (!parsed || !secure || parsed.search || parsed.hash || (url as string).includes('#') || parsed.username || parsed.password) {
      throw new Error(
        McpMessages.optionInvalid(path, 'an https URL without query, fragment or credentials (plain http only for an origin listed in outbound.allow)', url),
      );
    }
  };
  issuerUrl(`${where}.issuer`, value.issuer);
  if (value.metadataUrl !== undefined) issuerUrl(`${where}.metadataUrl`, value.metadataUrl);
  const mirrorMetadata = value.mirrorMetadata ?? false;
  if (typeof mirrorMetadata !== 'boolean') throw new Error(McpMessages.optionInvalid(`${where}.mirrorMetadata`, 'a boolean', mirrorMetadata));
  const duration = (name: 'metadataTtlMs' | 'metadataTimeoutMs' | 'metadataRetryMs', min: number): number => {
    const ms = value[name] ?? MCP_DEFAULTS[name];
    if (!Number.isInteger(ms) || ms < min) throw new Error(McpMessages.optionInvalid(`${where}.${name}`, `an integer of at least ${min}`, ms));
    return ms;
  };
  return {
    mode: 'remote',
    issuer: value.issuer,
    mirrorMetadata,
    metadataUrl: value.metadataUrl,
    metadataTtlMs: duration('metadataTtlMs', 1000),
    metadataTimeoutMs: duration('metadataTimeoutMs', 100),
    metadataRetryMs: duration('metadataRetryMs', 0),
  };
}

function resolveLogging(logging: McpAuthModuleOptions['logging']): McpResolvedOptions['logging'] {
  if (logging === undefined) return MCP_DEFAULTS.logging;
  if (typeof logging !== 'object' || logging === null || Array.isArray(logging)) {
    throw new Error(McpMessages.optionInvalid('logging', 'an object such as { startup: false, authDecisions: true }', logging));
  }
  for (const key of Object.keys(logging)) {
    if (!(key in MCP_DEFAULTS.logging)) {
      throw new Error(McpMessages.optionUnknown(`logging.${key}`, Object.keys(MCP_DEFAULTS.logging)));
    }
  }
  const flag = (name: keyof typeof MCP_DEFAULTS.logging): boolean => {
    const value = logging[name] ?? MCP_DEFAULTS.logging[name];
    if (typeof value !== 'boolean') throw new Error(McpMessages.optionInvalid(`logging.${name}`, 'a boolean', value));
    return value;
  };
  return { startup: flag('startup'), authDecisions: flag('authDecisions') };
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

/** An `McpAuthenticationGuard` subclass, by its shape (this file stays free of runtime imports). */
function isAuthGuardClass(value: unknown): boolean {
  const prototype = (value as { prototype?: Record<string, unknown> } | null)?.prototype;
  return typeof value === 'function' && typeof prototype?.canActivate === 'function' && typeof prototype.handleRequest === 'function';
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

function resolveProtocol(protocol: McpProtocolOptions): McpResolvedOptions['protocol'] {
  if (typeof protocol !== 'object' || protocol === null) throw new Error(McpMessages.optionInvalid('protocol', 'an object', protocol));
  const eras = protocol.eras ?? MCP_DEFAULTS.eras;
  if (eras !== 'dual' && eras !== 'modern' && eras !== 'legacy') {
    throw new Error(McpMessages.optionInvalid('protocol.eras', '"dual", "modern" or "legacy"', eras));
  }
  const listTtlMs = protocol.listTtlMs ?? MCP_DEFAULTS.listTtlMs;
  if (!Number.isSafeInteger(listTtlMs) || listTtlMs < 0) throw new Error(McpMessages.optionInvalid('protocol.listTtlMs', 'an integer of at least 0', listTtlMs));
  const secret = protocol.requestStateSecret;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    throw new Error(McpMessages.optionInvalid('protocol.requestStateSecret', 'a string of at least 32 characters', secret === undefined ? secret : '(hidden)'));
  }
  return { eras, listTtlMs, ...(secret !== undefined && { requestStateSecret: secret }) };
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
