/** Why `mcpSafeFetch` refused a URL before (or instead of) talking to it: a policy decision, never retried. */
export type McpFetchRefusal =
  /** Not an absolute URL, or one carrying credentials (`user:pass@`). */
  | 'invalid_url'
  /** A scheme other than http(s). */
  | 'scheme'
  /** Plain http to an origin the allow-list does not name. */
  | 'insecure'
  /** The host is, or resolves to, a loopback, private, link-local, reserved or otherwise non-public address. */
  | 'blocked_address'
  /** The server redirected while redirects are refused (`redirect: 'error'`, the default). */
  | 'redirect'
  /** More redirects than `maxRedirects`. */
  | 'too_many_redirects';

/** Why a permitted request failed. */
export type McpFetchFailure =
  /** The host name did not resolve. */
  | 'dns'
  /** No connection (and TLS handshake) within `connectTimeoutMs`. */
  | 'connect_timeout'
  /** The whole exchange took longer than `timeoutMs`. */
  | 'timeout'
  /** The response body exceeded `maxBytes` (the download was aborted there). */
  | 'too_large'
  /** The caller's `signal` aborted the request. */
  | 'aborted'
  /** The connection failed or broke (refused, reset, TLS error). */
  | 'network';

/**
 * An outbound request by `mcpSafeFetch` that did not produce a response. The message names the origin and path only
 * (never the query string, which may hold secrets) and never the resolved address.
 */
export class McpFetchError extends Error {
  override readonly name: string = 'McpFetchError';

  constructor(
    readonly reason: McpFetchRefusal | McpFetchFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request `mcpSafeFetch` refused by policy (SSRF rules, scheme, redirects): nothing was sent, or nothing more. */
export class McpFetchRefusedError extends McpFetchError {
  override readonly name: string = 'McpFetchRefusedError';
  declare readonly reason: McpFetchRefusal;

  constructor(reason: McpFetchRefusal, message: string) {
    super(reason, message);
  }
}
