import type { ValidatorOptions } from 'class-validator';
import type { CanActivate, Type } from '@nestjs/common';
import type { McpPrincipalInit } from './authentication/mcp-principal.js';
import type { McpAuthenticatorSpec } from './authentication/mcp-authenticator.js';
import type { McpAuthorizationCheck } from './authorization/mcp-authorization-check.js';
import type { McpAuthorizationDecision } from './authorization/mcp-authorization-check.js';
import type { McpProtocolEras } from './protocol/mcp-versions.js';
import type { McpSafeFetchPolicy } from './net/mcp-safe-fetch.js';

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

/** Which MCP protocol revisions the server speaks, and the caching hints of 2026-07-28 results. */
export interface McpProtocolOptions {
  /**
   * `dual` (default): 2026-07-28 clients (per-request `_meta`, `server/discover`) and 2025 ones (`initialize`,
   * sessions) on the same endpoint, each request classified by its body. `modern`: 2026-07-28 only (a 2025 request is
   * answered with -32022 naming the supported versions). `legacy`: the 2025 revisions only.
   */
  eras?: McpProtocolEras;
  /** `ttlMs` of 2026-07-28 list and `server/discover` results: how long a client may treat them as fresh. Default 60 s. */
  listTtlMs?: number;
  /**
   * The secret that seals 2026-07-28 `requestState` (answers to `elicit`/`sample` carried between rounds). Give every
   * instance of a deployment the same one, so a retry may reach any of them. Default: a random key per process.
   */
  requestStateSecret?: string;
}

/**
 * An authorization server that already exists (Auth0, Keycloak, Entra ID, Cognito, any OAuth 2.0 / OIDC issuer)
 * issues the tokens; this server stays a resource server and points clients to it.
 */
export interface McpRemoteAuthorizationServerOptions {
  mode: 'remote';
  /** The issuer identifier, exactly as its metadata's `issuer` (and its tokens' `iss`) spell it. */
  issuer: string;
  /**
   * Also serve the issuer's metadata on the MCP origin: at `/.well-known/oauth-authorization-server` and
   * `/.well-known/openid-configuration`, plus the path forms the MCP spec lists when the issuer has a path. For
   * clients that look for it there (the MCP 2025-03-26 flow, clients without RFC 9728). The document is the
   * issuer's own, unchanged. Default false.
   */
  mirrorMetadata?: boolean;
  /** Where the issuer publishes its metadata. Default: discovered (RFC 8414, then OpenID Connect Discovery). */
  metadataUrl?: string;
  /** A fetched copy is served this long before it is fetched again. Default 1 hour. */
  metadataTtlMs?: number;
  /** The metadata fetch (every discovery URL tried) must finish within this. Default 5 s. */
  metadataTimeoutMs?: number;
  /** After a failed fetch, no new attempt for this long; the last good copy, if any, is served meanwhile. Default 30 s. */
  metadataRetryMs?: number;
}

/** Where clients get tokens. `remote` is the one mode so far. */
export type McpAuthorizationServerOptions = McpRemoteAuthorizationServerOptions;

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
  /** Protocol eras served (2026-07-28 and 2025 by default) and caching hints. */
  protocol?: McpProtocolOptions;
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
  /**
   * Issuers clients obtain tokens from (RFC 9728 `authorization_servers`). Default: `authorizationServer.issuer`, else
   * the JWT authenticators' issuers.
   */
  authorizationServers?: string[];
  /** The authorization server clients are sent to, and whether its metadata is mirrored on the MCP origin. */
  authorizationServer?: McpAuthorizationServerOptions;
  /**
   * Rules for the requests the module itself sends (authorization server metadata), as for `mcpSafeFetch`: non-public
   * addresses and plain http are refused unless `allow` names them, e.g. `{ allow: ['http://keycloak.internal:8080'] }`.
   */
  outbound?: McpSafeFetchPolicy;
  /**
   * Authenticators tried in order: the first result wins, "no credentials for me" (`null`) falls through, an
   * explicit refusal (`McpAuthenticationError`) stops the chain.
   */
  authenticate?: McpAuthenticatorSpec[];
  /** Requests without credentials get the anonymous principal instead of 401 (bad credentials are still refused). */
  allowAnonymous?: boolean;
  /**
   * A subclass of `McpAuthenticationGuard` the MCP route authenticates with, so its hooks (`getRequest`, `handleRequest`,
   * `challenge`) apply there as on the app's own routes. Its constructor receives the module's providers.
   */
  authenticationGuard?: Type<CanActivate>;
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
  authorize?: McpAuthorizationCheck[];
  /**
   * What a denied caller learns. `hide` (default): the same error as a component that does not exist.
   * `challenge`: when only scope checks failed, HTTP 403 `insufficient_scope` naming the scopes to ask for (step-up).
   * Components may override it.
   */
  onDenied?: 'hide' | 'challenge';
  /**
   * Called with every authorization decision: each component of each list answer, each call. Never receives a token.
   * Nothing is built for it when neither this hook nor `logging.authDecisions` is set.
   */
  onAuthDecision?: (decision: McpAuthorizationDecision) => void;
  /** What the module writes to the app's logger on its own. */
  logging?: McpLoggingOptions;
}

/** What the module logs besides warnings and errors. */
export interface McpLoggingOptions {
  /**
   * One line per server once it listens (over stdio: once connected, on stderr): endpoint URL, transport and session
   * mode, component counts, authenticators, protected resource metadata URL; with a static development token, a
   * ready-to-paste curl command too. Default `true`.
   */
  startup?: boolean;
  /**
   * Each authorization decision as an `mcp.auth.decision` JSON line at `log` level (the same records
   * `onAuthDecision` receives). Default `false`: a list answer would otherwise log a line per component.
   */
  authDecisions?: boolean;
}

export interface McpStdioAuthOptions {
  /** Environment variable holding an access token, verified by the same authenticators. Default `MCP_ACCESS_TOKEN`. */
  tokenEnv?: string;
  /** A fixed principal for the stdio connection, used when no token is in the environment. */
  principal?: McpPrincipalInit;
}

/** The options with every default filled in; the only shape the rest of the module reads. */
export interface McpResolvedOptions {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  readonly instructions?: string;
  readonly http: Readonly<Required<McpHttpOptions>> | false;
  readonly protocol: Readonly<Required<Omit<McpProtocolOptions, 'requestStateSecret'>>> & { readonly requestStateSecret?: string };
  readonly maskErrorDetails: boolean;
  readonly validation: Readonly<ValidatorOptions>;
  readonly resource?: string;
  /** Where the protected resource metadata is served (path form), when `resource` is set. */
  readonly resourceMetadataUrl?: string;
  readonly authorizationServers: readonly string[];
  readonly authorizationServer?: Readonly<Required<Omit<McpRemoteAuthorizationServerOptions, 'metadataUrl'>>> & { readonly metadataUrl?: string };
  readonly outbound: Readonly<McpSafeFetchPolicy>;
  readonly authenticate: readonly McpAuthenticatorSpec[];
  readonly allowAnonymous: boolean;
  readonly authenticationGuard?: Type<CanActivate>;
  readonly requiredScopes: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly resourceDocumentation?: string;
  readonly resourceName?: string;
  readonly maxTokenLength: number;
  readonly stdio: { readonly tokenEnv: string; readonly principal?: McpPrincipalInit };
  readonly authorize: readonly McpAuthorizationCheck[];
  readonly onDenied: 'hide' | 'challenge';
  readonly onAuthDecision?: (decision: McpAuthorizationDecision) => void;
  readonly logging: Readonly<Required<McpLoggingOptions>>;
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
  eras: 'dual',
  listTtlMs: 60_000,
  maskErrorDetails: true,
  validation: { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } satisfies ValidatorOptions,
  maxTokenLength: 8192,
  stdioTokenEnv: 'MCP_ACCESS_TOKEN',
  metadataTtlMs: 60 * 60_000,
  metadataTimeoutMs: 5_000,
  metadataRetryMs: 30_000,
  metadataMaxBytes: 256 * 1024,
  logging: { startup: true, authDecisions: false },
} as const;
