import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { McpMessages } from '../mcp-auth.messages.js';
import { AllowList, isPublicAddress } from './address.policy.js';
import { McpFetchError, McpFetchRefusedError, type McpFetchFailure, type McpFetchRefusal } from './mcp-fetch.error.js';

/** One address a host name resolved to. */
export interface McpResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: `dns.lookup` with `all: true`). */
export type McpFetchLookup = (hostname: string) => Promise<McpResolvedAddress[]>;

/** The rules outbound requests follow. Every field is optional; the defaults are the strict ones. */
export interface McpSafeFetchPolicy {
  /**
   * Exemptions from the address rules, for tests and internal services. An origin (`https://idp.internal:8443`,
   * `http://127.0.0.1:4000`) is trusted whatever it resolves to, and may use plain http; a CIDR range (`10.20.0.0/16`,
   * `fd00::/8`) makes those addresses reachable (over https). Default: none.
   */
  allow?: string[];
  /** The whole exchange (DNS, connect, headers, body) must finish within this. Default 10 s. */
  timeoutMs?: number;
  /** The connection (and TLS handshake) must be up within this. Default 5 s. */
  connectTimeoutMs?: number;
  /** Larger response bodies are aborted as they stream in. Default 1 MiB. */
  maxBytes?: number;
  /**
   * `error` (default): a 3xx with `Location` is refused. `follow`: each hop is checked again (scheme, allow-list,
   * DNS, addresses), credentials are dropped across origins. `manual`: the 3xx response is returned.
   */
  redirect?: 'error' | 'follow' | 'manual';
  /** With `redirect: 'follow'`. Default 3. */
  maxRedirects?: number;
  /** Trusted CA certificates for https (replaces Node's bundled roots, e.g. for a private CA). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Host name resolution; the connection always goes to the addresses it returned, after they were checked. */
  lookup?: McpFetchLookup;
}

/** What to send. */
export interface McpSafeFetchRequest {
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the request (`McpFetchError` with reason `aborted`). */
  signal?: AbortSignal;
}

export type McpSafeFetchOptions = McpSafeFetchPolicy & McpSafeFetchRequest;

/** A response whose body has been read completely (within `maxBytes`). */
export class McpFetchResponse {
  constructor(
    /** The URL that answered (after redirects). */
    readonly url: string,
    readonly status: number,
    readonly headers: Headers,
    /** The address the connection went to (checked before connecting). */
    readonly address: string,
    private readonly body: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.body);
  }

  text(): string {
    return this.body.toString('utf8');
  }

  /** @throws SyntaxError when the body is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

export type McpSafeFetchFn = (url: string | URL, request?: McpSafeFetchRequest) => Promise<McpFetchResponse>;

const DEFAULTS = { timeoutMs: 10_000, connectTimeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 3 } as const;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

interface CompiledPolicy {
  allow: AllowList;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
  redirect: 'error' | 'follow' | 'manual';
  maxRedirects: number;
  ca?: McpSafeFetchPolicy['ca'];
  lookup: McpFetchLookup;
}

/**
 * Fetches a URL someone else chose (a tool argument, a client's metadata document URL, an issuer's JWKS) without
 * letting it reach the server's own network: http(s) only, https unless allow-listed; the host is resolved first and
 * refused when any of its addresses is loopback, private, link-local (cloud metadata included), carrier-grade NAT,
 * multicast, unspecified, unique-local, IPv4-mapped or otherwise special; the connection then goes to exactly the
 * checked addresses (no second DNS query, so DNS rebinding cannot swap them); redirects are refused unless followed
 * with the same checks per hop; connect and total timeouts; the body is capped while it streams.
 * @throws McpFetchRefusedError (policy) or McpFetchError (timeouts, size, network); TypeError for invalid options.
 * @example
 * ```ts
 * const response = await mcpSafeFetch(url, { maxBytes: 64 * 1024, timeoutMs: 3000 });
 * if (response.ok) return response.text();
 * ```
 */
export async function mcpSafeFetch(url: string | URL, options: McpSafeFetchOptions = {}): Promise<McpFetchResponse> {
  return bindPolicy(options, 'mcpSafeFetch', '')(url, options);
}

/**
 * A fetch function bound to one policy, checked once (invalid options throw here, at startup). Inject it where
 * several requests share the same rules.
 */
export function createMcpSafeFetch(policy: McpSafeFetchPolicy = {}): McpSafeFetchFn {
  return bindPolicy(policy, 'mcpSafeFetch', '');
}

/** `createMcpSafeFetch` for the module: option errors name `where` and the option's path (e.g. `outbound.`). */
export function bindPolicy(policy: McpSafeFetchPolicy, where: string, prefix: string): McpSafeFetchFn {
  const compiled = compilePolicy(policy, where, prefix);
  return (url, request = {}) => run(url, request, compiled);
}

function compilePolicy(policy: McpSafeFetchPolicy, where: string, prefix: string): CompiledPolicy {
  if (!policy || typeof policy !== 'object') throw new TypeError(McpMessages.fetchOptionInvalid(where, prefix.slice(0, -1) || 'options', 'an object', policy));
  const positive = (name: 'timeoutMs' | 'connectTimeoutMs' | 'maxBytes' | 'maxRedirects', min: number): number => {
    const value = policy[name] ?? DEFAULTS[name];
    if (!Number.isInteger(value) || value < min) throw new TypeError(McpMessages.fetchOptionInvalid(where, `${prefix}${name}`, `an integer of at least ${min}`, value));
    return value;
  };
  const redirect = policy.redirect ?? 'error';
  if (redirect !== 'error' && redirect !== 'follow' && redirect !== 'manual') {
    throw new TypeError(McpMessages.fetchOptionInvalid(where, `${prefix}redirect`, '"error", "follow" or "manual"', redirect));
  }
  if (policy.lookup !== undefined && typeof policy.lookup !== 'function') {
    throw new TypeError(McpMessages.fetchOptionInvalid(where, `${prefix}lookup`, 'a function', policy.lookup));
  }
  return {
    allow: new AllowList(policy.allow ?? [], `${where}: ${prefix}allow`),
    timeoutMs: positive('timeoutMs', 1),
    connectTimeoutMs: positive('connectTimeoutMs', 1),
    maxBytes: positive('maxBytes', 0),
    redirect,
    maxRedirects: positive('maxRedirects', 0),
    ca: policy.ca,
    lookup: policy.lookup ?? systemLookup,
  };
}

async function systemLookup(hostname: string): Promise<McpResolvedAddress[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })) as McpResolvedAddress[];
}

interface Hop {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

async function run(input: string | URL, request: McpSafeFetchRequest, policy: CompiledPolicy): Promise<McpFetchResponse> {
  let url = parseUrl(input);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(failure('timeout', url)), policy.timeoutMs);
  const onCallerAbort = () => controller.abort(failure('aborted', url));
  if (request.signal?.aborted) onCallerAbort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let hop: Hop = {
    method: (request.method ?? 'GET').toUpperCase(),
    headers: {
      accept: '*/*',
      'user-agent': 'nestjs-mcp-auth',
      ...lowerCaseKeys(request.headers ?? {}),
      // Bodies are counted as they arrive; a compressed one would expand past the cap after the count.
      'accept-encoding': 'identity',
    },
    body: request.body,
  };
  try {
    for (let redirects = 0; ; redirects++) {
      const addresses = await admit(url, policy, controller.signal);
      const response = await exchange(url, addresses, hop, policy, controller.signal);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || policy.redirect === 'manual') return response;
      if (policy.redirect === 'error') throw refusal('redirect', url);
      if (redirects >= policy.maxRedirects) throw refusal('too_many_redirects', url);
      const next = parseUrl(location, url);
      hop = redirectedHop(hop, response.status, url, next);
      url = next;
    }
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function parseUrl(input: string | URL, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(String(input), base);
  } catch {
    throw new McpFetchRefusedError('invalid_url', McpMessages.fetchRefused('a URL that does not parse', 'invalid_url'));
  }
  if (url.username || url.password) throw refusal('invalid_url', url);
  return url;
}

/** Scheme, allow-list, DNS and address checks: the addresses returned are the only ones the request may use. */
async function admit(url: URL, policy: CompiledPolicy, signal: AbortSignal): Promise<McpResolvedAddress[]> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refusal('scheme', url);
  const trusted = policy.allow.trustsOrigin(url.origin);
  if (url.protocol === 'http:' && !trusted) throw refusal('insecure', url);
  const hostname = bare(url.hostname);
  let addresses: McpResolvedAddress[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) as 4 | 6 }];
  } else {
    try {
      addresses = await abortable(policy.lookup(hostname), signal);
    } catch (error) {
      if (error instanceof McpFetchError) throw error;
      throw failure('dns', url, undefined, error);
    }
    // A custom lookup is held to the same shape as dns.lookup: every entry a literal address.
    addresses = (Array.isArray(addresses) ? addresses : []).map((a) => ({ address: String(a?.address), family: isIP(String(a?.address)) as 4 | 6 }));
    if (!addresses.length) throw failure('dns', url);
    if (addresses.some((a) => a.family === (0 as number))) throw refusal('blocked_address', url);
  }
  // Any non-public address refuses the host: a name that also points inside is not one to connect to.
  if (!trusted && addresses.some((a) => !isPublicAddress(a.address) && !policy.allow.trustsAddress(a.address))) {
    throw refusal('blocked_address', url);
  }
  return addresses;
}

/** One request/response over a connection pinned to the checked addresses. */
function exchange(url: URL, addresses: McpResolvedAddress[], hop: Hop, policy: CompiledPolicy, signal: AbortSignal): Promise<McpFetchResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const secure = url.protocol === 'https:';
    const hostname = bare(url.hostname);
    const checked = new BlockList();
    for (const { address, family } of addresses) checked.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
    // The connection's own lookup answers with the checked addresses only: no second DNS query to rebind.
    const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, addresses.map(({ address, family }) => ({ address, family })));
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }) as unknown as LookupFunction;

    let settled = false;
    const fail = (error: McpFetchError) => {
      if (settled) return;
      settled = true;
      cleanup();
      outgoing.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal.reason instanceof McpFetchError ? signal.reason : failure('aborted', url));
    const connectTimer = setTimeout(() => fail(failure('connect_timeout', url)), policy.connectTimeoutMs);
    const cleanup = () => {
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
    };

    const outgoing = (secure ? https : http).request({
      protocol: url.protocol,
      hostname,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: hop.method,
      headers: hop.headers,
      agent: false,
      lookup: pinned,
      ...(secure && { ca: policy.ca, servername: isIP(hostname) ? undefined : hostname }),
    });
    signal.addEventListener('abort', onAbort, { once: true });

    outgoing.on('socket', (socket) => {
      socket.once('connect', () => {
        // Belt and braces: the peer must be one of the checked addresses, whatever resolved it.
        const remote = socket.remoteAddress;
        const family = remote && isIP(remote) === 6 ? 'ipv6' : 'ipv4';
        if (!remote || !checked.check(remote, family)) fail(refusal('blocked_address', url));
        else if (!secure) clearTimeout(connectTimer);
      });
      if (secure) socket.once('secureConnect', () => clearTimeout(connectTimer));
    });

    outgoing.on('response', (incoming: IncomingMessage) => {
      clearTimeout(connectTimer);
      const declared = Number(incoming.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes) return fail(failure('too_large', url, policy.maxBytes));
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > policy.maxBytes) fail(failure('too_large', url, policy.maxBytes));
        else chunks.push(chunk);
      });
      incoming.on('error', (error) => fail(failure('network', url, undefined, error)));
      incoming.on('close', () => {
        if (!incoming.complete) fail(failure('network', url));
      });
      incoming.on('end', () => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(new McpFetchResponse(url.href, incoming.statusCode ?? 0, toHeaders(incoming.rawHeaders), incoming.socket?.remoteAddress ?? addresses[0]!.address, Buffer.concat(chunks)));
      });
    });
    outgoing.on('error', (error) => fail(error instanceof McpFetchError ? error : failure('network', url, undefined, error)));
    outgoing.end(hop.body);
  });
}

/** The next hop's request (fetch spec §4.4): 303, and 301/302 after POST, become GET without body; credentials stay on their origin. */
function redirectedHop(hop: Hop, status: number, from: URL, to: URL): Hop {
  const headers = { ...hop.headers };
  let { method, body } = hop;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const name of ['content-type', 'content-length', 'content-encoding']) delete headers[name];
  }
  if (to.origin !== from.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { method, headers, body };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

function toHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header value Headers refuses (invalid bytes) is dropped rather than failing the response.
    }
  }
  return headers;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** Origin and path: the query string may hold secrets and stays out of messages. */
function target(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function refusal(reason: McpFetchRefusal, url: URL): McpFetchRefusedError {
  return new McpFetchRefusedError(reason, McpMessages.fetchRefused(url.protocol === 'http:' || url.protocol === 'https:' ? target(url) : `a ${url.protocol} URL`, reason));
}

function failure(reason: McpFetchFailure, url: URL, limit?: number, cause?: unknown): McpFetchError {
  return new McpFetchError(reason, McpMessages.fetchFailed(target(url), reason, limit), cause === undefined ? undefined : { cause });
}
