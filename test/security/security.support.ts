import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { McpStaticTokens, type McpPrincipalInit } from 'nestjs-mcp-auth';

/**
 * Shared helpers of the attack suite. Requests go through node:http (not fetch) because attacks need what fetch
 * forbids: a forged `Host`, chunked bodies, bounded socket pools and raw bytes.
 */

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length). */
  chunked?: boolean;
  /** Default: a fresh connection per request (`agent: false`). */
  agent?: Agent | false;
  /** The request fails after this long instead of hanging the suite. Default 10 s. */
  timeoutMs?: number;
}

/** One HTTP request on the loopback; resolves with the whole response. Rejects on transport errors and timeouts. */
export function rawRequest(url: URL, options: RawRequest = {}): Promise<RawResponse> {
  const { method = 'POST', body, chunked = false, agent = false, timeoutMs = 10_000 } = options;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value;
  if (body !== undefined && !chunked) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body === undefined) return void req.end();
    if (chunked) {
      // Several chunks, so nothing can take the first one for the whole body.
      const bytes = Buffer.from(body);
      for (let offset = 0; offset < bytes.length; offset += 1000) req.write(bytes.subarray(offset, offset + 1000));
      req.end();
    } else {
      req.end(body);
    }
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const rpc = (id: number | string, method: string, params?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params && { params }),
});
export const INITIALIZE = rpc(1, 'initialize', {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'attacker', version: '1' },
});

/** `count` static principals `user-<i>` with unguessable tokens, ready for `McpStaticTokens`. */
export function staticPrincipals(count: number, prefix = 'user') {
  const tokens: Record<string, McpPrincipalInit> = {};
  const callers: Array<{ token: string; sub: string; clientId: string }> = [];
  for (let i = 0; i < count; i++) {
    const token = `sec-${prefix}-${i}-${randomUUID()}`;
    tokens[token] = { principal: { sub: `${prefix}-${i}` }, clientId: `client-${prefix}-${i}` };
    callers.push({ token, sub: `${prefix}-${i}`, clientId: `client-${prefix}-${i}` });
  }
  return { tokens, callers, authenticate: [McpStaticTokens({ tokens })] };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** Why `value` is not one JSON-RPC 2.0 response or error (id null allowed for errors), or undefined when it is. */
export function jsonRpcResponseProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (value.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  const keys = Object.keys(value).sort().join(',');
  if ('result' in value) {
    if (keys !== 'id,jsonrpc,result') return `unexpected members ${keys}`;
    if (!isId(value.id)) return 'a result needs a string or number id';
    if (!isObject(value.result)) return 'result is not an object';
    return undefined;
  }
  if ('error' in value) {
    if (keys !== 'error,id,jsonrpc') return `unexpected members ${keys}`;
    if (value.id !== null && !isId(value.id)) return 'error id is neither null nor a string or number';
    const error = value.error;
    if (!isObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') return 'malformed error member';
    return undefined;
  }
  return 'neither result nor error';
}

/** A JSON-RPC notification the server may put on an event stream (progress, log messages). */
function isNotification(value: unknown): boolean {
  return isObject(value) && value.jsonrpc === '2.0' && typeof value.method === 'string' && !('id' in value);
}

/** Stack traces and paths that must never reach a client. */
export const LEAK_PATTERNS = ['    at ', '.ts:', '.js:', '/work/', 'node_modules', 'hunter2'];

export interface ResponseCheck {
  /** Secrets sent with the request that must not come back (tokens). */
  secrets?: string[];
  /** What the request itself carried (body and header values): a leak pattern it contains may be echoed back. */
  sent?: string;
}

/**
 * The invariants every response of the MCP endpoint keeps, whatever was sent: no 5xx, an empty body exactly for
 * 202/204, otherwise a JSON-RPC response (or a batch of them, or an event stream of them), no stack traces or
 * paths, no echoed secret. Returns the problems found (empty when none).
 */
export function responseProblems(response: RawResponse, check: ResponseCheck = {}): string[] {
  const problems: string[] = [];
  const { status, text } = response;
  if (status >= 500 || status < 200) problems.push(`status ${status}`);
  for (const pattern of LEAK_PATTERNS) if (text.includes(pattern) && !check.sent?.includes(pattern)) problems.push(`body contains ${JSON.stringify(pattern)}`);
  const headerText = JSON.stringify(response.headers);
  for (const secret of check.secrets ?? []) {
    if (secret && text.includes(secret)) problems.push('body echoes a secret');
    if (secret && headerText.includes(secret)) problems.push('headers echo a secret');
  }
  if (status === 202 || status === 204) {
    if (text !== '') problems.push(`${status} with a body`);
    return problems;
  }
  const type = String(response.headers['content-type'] ?? '');
  if (type.startsWith('text/event-stream')) {
    const events = text.split('\n\n').filter((e) => e.trim() && !e.startsWith(':'));
    if (!events.length) problems.push('empty event stream');
    for (const event of events) {
      const data = event.split('\n').find((line) => line.startsWith('data: '));
      let message: unknown;
      try {
        message = JSON.parse(data?.slice(6) ?? '');
      } catch {
        problems.push(`event is not JSON: ${event.slice(0, 80)}`);
        continue;
      }
      if (!isNotification(message)) {
        const problem = jsonRpcResponseProblem(message);
        if (problem) problems.push(`event: ${problem}`);
      }
    }
    return problems;
  }
  if (!type.startsWith('application/json')) problems.push(`content-type ${type || '(none)'}`);
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    problems.push(`body is not JSON: ${text.slice(0, 80)}`);
    return problems;
  }
  if (Array.isArray(body)) {
    if (!body.length) problems.push('empty batch response');
    for (const item of body) {
      const problem = jsonRpcResponseProblem(item);
      if (problem) problems.push(`batch item: ${problem}`);
    }
    if (status !== 200 && status !== 403) problems.push(`batch response with status ${status}`);
  } else {
    const problem = jsonRpcResponseProblem(body);
    if (problem) problems.push(`${problem}: ${text.slice(0, 120)}`);
    else if (status >= 400 && !('error' in (body as object))) problems.push(`status ${status} with a result`);
  }
  return problems;
}

/** Asserts `responseProblems` found nothing, printing the response when it did. */
export function assertWellFormed(response: RawResponse, check: ResponseCheck = {}, what = 'response'): void {
  const problems = responseProblems(response, check);
  assert.deepEqual(problems, [], `${what}: ${response.status} ${response.text.slice(0, 300)}`);
}

/** The JSON body of a response, asserting its content type. */
export function jsonOf<T = any>(response: RawResponse): T {
  assert.match(String(response.headers['content-type'] ?? ''), /^application\/json/, `content-type of ${response.text.slice(0, 200)}`);
  return JSON.parse(response.text) as T;
}

/** Asserts a transport-level JSON-RPC error: status and `{ jsonrpc, id: null, error: { code, message } }` exactly. */
export function assertRpcError(response: RawResponse, status: number, code: number, message: string | RegExp): void {
  assert.equal(response.status, status, response.text.slice(0, 300));
  const body = jsonOf(response);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'id', 'jsonrpc'], response.text);
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, null);
  assert.equal(body.error.code, code);
  if (typeof message === 'string') assert.equal(body.error.message, message);
  else assert.match(body.error.message, message);
}

export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error texts users read (mirrors src/mcp-auth.messages.ts; e2e tests compare literal text). */
export const MESSAGES = {
  hostNotAllowed: 'Forbidden: the Host of this request is not allowed',
  originNotAllowed: 'Forbidden: the Origin of this request is not allowed',
  bodyTooLarge: (limit: number) => `Payload Too Large: the body exceeds ${limit} bytes`,
  tooDeep: (limit: number) => `Invalid Request: JSON nested deeper than ${limit} levels`,
  batchTooLarge: (limit: number) => `Invalid Request: a batch may hold at most ${limit} messages`,
  tooManySessions: 'Service Unavailable: too many open sessions, retry later',
  sessionRequired: 'Bad Request: the Mcp-Session-Id header is required',
  sessionNotFound: 'Session not found',
  initializeWithSession: 'Bad Request: initialize must not carry an Mcp-Session-Id header',
  unsupportedMediaType: 'Unsupported Media Type: Content-Type must be application/json',
  parseError: 'Parse error: the body is not valid JSON',
  invalidRequest: 'Invalid Request: the body is not a JSON-RPC 2.0 message or batch',
  unauthorized: 'Unauthorized: authentication is required',
  invalidToken: 'Unauthorized: the access token is invalid or expired',
};
