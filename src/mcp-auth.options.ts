import type { ValidatorOptions } from 'class-validator';
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
}

export const MCP_DEFAULTS = {
  path: '/mcp',
  mode: 'stateless',
  allowedOrigins: [] as string[],
  sessionIdleTimeoutMs: 30 * 60_000,
  maskErrorDetails: true,
  validation: { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } satisfies ValidatorOptions,
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
  return {
    name: options.name,
    version: options.version,
    title: options.title,
    instructions: options.instructions,
    http: options.http === false ? false : resolveHttp(options.http ?? {}),
    maskErrorDetails: options.maskErrorDetails ?? MCP_DEFAULTS.maskErrorDetails,
    validation: { ...MCP_DEFAULTS.validation, ...options.validation },
  };
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
  const normalizedPath = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return { path: normalizedPath, mode, allowedOrigins: allowedOrigins.map(normalizeOrigin), sessionIdleTimeoutMs };
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
