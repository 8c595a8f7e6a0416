import type { IncomingMessage, ServerResponse } from 'node:http';
import { serialize } from '../protocol/json-rpc.js';
import { BODY_READ_LIMIT, jsonText, readLimited } from './body-reader.js';

type Headers = Record<string, string>;

/**
 * One HTTP request/response pair, the same for Express and Fastify: the MCP route writes its replies
 * through it and never touches adapter-specific APIs elsewhere.
 */
export interface HttpExchange {
  readonly request: unknown;
  readonly response: unknown;
  readonly raw: IncomingMessage;
  header(name: string): string | undefined;
  /** The body the framework parsed; undefined when no JSON parser ran (then read it with `readBody`). */
  parsedBody(): unknown;
  /** The raw text of a body no parser consumed; `undefined` once it passes `limit` bytes (the rest is dropped). */
  readBody(limit: number): Promise<string | undefined>;
  /** The byte limit the parsed body was read under, when known (then it needs no measuring again). */
  bodyReadLimit(): number | undefined;
  sendJson(status: number, body: unknown, headers?: Headers): void;
  sendEmpty(status: number, headers?: Headers): void;
  /** Takes over the connection for a server-sent event stream. */
  openStream(headers: Headers): ServerResponse;
  /** Called once when the connection closes (finished or aborted), or soon if it already has. */
  onClose(listener: () => void): void;
  /** Whether the reply has been fully sent. */
  readonly finished: boolean;
}

interface FastifyLikeRequest {
  raw: IncomingMessage;
  body?: unknown;
  headers: IncomingMessage['headers'];
  routeOptions?: { bodyLimit?: number };
}
interface FastifyLikeReply {
  raw: ServerResponse;
  hijack(): void;
  code(status: number): FastifyLikeReply;
  headers(values: Headers): FastifyLikeReply;
  getHeaders(): Record<string, unknown>;
  send(payload?: unknown): FastifyLikeReply;
}
interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
  [BODY_READ_LIMIT]?: number;
}

export function createHttpExchange(request: unknown, response: unknown): HttpExchange {
  return isFastify(response)
    ? new FastifyExchange(request as FastifyLikeRequest, response)
    : new NodeExchange(request as ExpressLikeRequest, response as ServerResponse);
}

function isFastify(response: unknown): response is FastifyLikeReply {
  return typeof (response as FastifyLikeReply).hijack === 'function' && typeof (response as FastifyLikeReply).raw === 'object';
}

const JSON_TYPE = { 'content-type': 'application/json' };
const STREAM_TYPE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' };

abstract class BaseExchange implements HttpExchange {
  abstract readonly request: unknown;
  abstract readonly response: unknown;
  abstract readonly raw: IncomingMessage;
  protected abstract readonly rawResponse: ServerResponse;
  abstract parsedBody(): unknown;
  abstract bodyReadLimit(): number | undefined;
  abstract sendJson(status: number, body: unknown, headers?: Headers): void;
  abstract sendEmpty(status: number, headers?: Headers): void;
  abstract openStream(headers: Headers): ServerResponse;

  header(name: string): string | undefined {
    const value = this.raw.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  async readBody(limit: number): Promise<string | undefined> {
    // No body parser ran (e.g. the app disabled it): read the stream ourselves, never past the limit.
    const buffer = await readLimited(this.raw, limit);
    return buffer && jsonText(buffer);
  }

  onClose(listener: () => void): void {
    // Watching may start late (when a handler first asks for its abort signal): a connection already gone is
    // reported at once.
    if ((this.rawResponse as { closed?: boolean }).closed) queueMicrotask(listener);
    else this.rawResponse.once('close', listener);
  }

  get finished(): boolean {
    return this.rawResponse.writableEnded;
  }
}

class NodeExchange extends BaseExchange {
  readonly raw: IncomingMessage;
  protected readonly rawResponse: ServerResponse;
  constructor(
    readonly request: ExpressLikeRequest,
    readonly response: ServerResponse,
  ) {
    super();
    this.raw = request;
    this.rawResponse = response;
  }
  parsedBody(): unknown {
    return this.request.body;
  }
  bodyReadLimit(): number | undefined {
    return this.request[BODY_READ_LIMIT]; // set when McpBodyLimit's middleware read it
  }
  sendJson(status: number, body: unknown, headers?: Headers): void {
    const json = serialize(body);
    // With the length known up front the reply goes out in one piece rather than chunked.
    this.response.writeHead(status, { ...headers, ...JSON_TYPE, 'content-length': String(Buffer.byteLength(json)) }).end(json);
  }
  sendEmpty(status: number, headers?: Headers): void {
    this.response.writeHead(status, headers).end();
  }
  openStream(headers: Headers): ServerResponse {
    this.response.writeHead(200, { ...headers, ...STREAM_TYPE });
    this.response.flushHeaders();
    return this.response;
  }
}

class FastifyExchange extends BaseExchange {
  readonly raw: IncomingMessage;
  protected readonly rawResponse: ServerResponse;
  constructor(
    readonly request: FastifyLikeRequest,
    readonly response: FastifyLikeReply,
  ) {
    super();
    this.raw = request.raw;
    this.rawResponse = response.raw;
  }
  parsedBody(): unknown {
    return this.request.body;
  }
  bodyReadLimit(): number | undefined {
    return this.request.routeOptions?.bodyLimit; // Fastify always reads under the route's (or server's) limit
  }
  sendJson(status: number, body: unknown, headers?: Headers): void {
    this.response.code(status).headers({ ...headers, ...JSON_TYPE }).send(serialize(body));
  }
  sendEmpty(status: number, headers?: Headers): void {
    this.response.code(status).headers(headers ?? {}).send();
  }
  openStream(headers: Headers): ServerResponse {
    // Headers other plugins set on the reply (CORS, say) would be lost once the reply is hijacked.
    const inherited = this.response.getHeaders() as Record<string, string>;
    this.response.hijack();
    this.rawResponse.writeHead(200, { ...inherited, ...headers, ...STREAM_TYPE });
    this.rawResponse.flushHeaders();
    return this.rawResponse;
  }
}
