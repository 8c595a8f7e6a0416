import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { MCP_RESOLVED_OPTIONS, MCP_ROUTE_BODY_LIMIT } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { jsonRpcError } from '../protocol/json-rpc.js';
import { BODY_READ_LIMIT, isJsonContentType, jsonText, readLimited } from './body-reader.js';

type Middleware = (req: IncomingMessage & Record<PropertyKey, unknown>, res: ServerResponse, next: () => void) => void;

interface AdapterLike {
  getType(): string;
  getInstance(): unknown;
  post(...args: unknown[]): unknown;
  use(...args: unknown[]): unknown;
  registerParserMiddleware?(...args: unknown[]): unknown;
  useBodyParser?(...args: unknown[]): unknown;
}

/** Adapters already set up (one app may import the module more than once; each route carries its own limit). */
const INSTALLED = new WeakSet<object>();

/**
 * Gives the MCP route (POST) the module's `http.maxBodyBytes` instead of the framework's JSON body limit, which
 * would otherwise apply first (Express: body-parser's 100 kB; Fastify: the server's `bodyLimit`). The app's other
 * routes keep the framework's limits. This runs in the constructor: Nest builds providers in `NestFactory.create`,
 * before `init()` registers the body parsers and the routes. The route is known by the limit it carries as
 * metadata (copied by Nest onto the handler the adapter receives), not by its path.
 */
@Injectable()
export class McpBodyLimit {
  constructor(adapterHost: HttpAdapterHost, @Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions) {
    if (!options.http || !adapterHost) return;
    if (adapterHost.httpAdapter) install(adapterHost.httpAdapter as unknown as AdapterLike);
    // A TestingModule builds providers first and gets its adapter in createNestApplication(), still before init().
    else adapterHost.init$?.subscribe(() => install(adapterHost.httpAdapter as unknown as AdapterLike | undefined));
  }
}

function install(adapter: AdapterLike | undefined): void {
  if (!adapter || typeof adapter.post !== 'function' || INSTALLED.has(adapter)) return;
  const type = adapter.getType();
  if (type === 'express') limitExpress(adapter);
  else if (type === 'fastify') limitFastify(adapter);
  else return;
  INSTALLED.add(adapter);
}

function routeLimit(handler: unknown): number | undefined {
  const limit = typeof handler === 'function' ? Reflect.getMetadata(MCP_ROUTE_BODY_LIMIT, handler) : undefined;
  return typeof limit === 'number' ? limit : undefined;
}

/** Fastify: the MCP route gets its own `bodyLimit` (a route's limit wins over the parser's and the server's). */
function limitFastify(adapter: AdapterLike): void {
  const instance = adapter.getInstance() as { addHook?(name: 'onRoute', hook: (route: { bodyLimit?: number }) => void): unknown };
  if (typeof instance?.addHook !== 'function') return;
  let pending: number | undefined;
  // Fastify runs onRoute hooks synchronously inside the `route()` call the adapter's `post()` makes.
  instance.addHook('onRoute', (route) => {
    if (pending !== undefined) route.bodyLimit = pending;
  });
  const post = adapter.post;
  adapter.post = function (this: unknown, ...args: unknown[]) {
    pending = routeLimit(args[args.length - 1]);
    try {
      return post.apply(this, args);
    } finally {
      pending = undefined;
    }
  };
}

/**
 * Express: body-parser's JSON limit is app-wide, so a middleware placed just before it reads the MCP route's body
 * itself under the route's limit. body-parser then skips the request (its body is already read).
 */
function limitExpress(adapter: AdapterLike): void {
  const routes = new Map<string, number>(); // route path as registered (lower case, no trailing slash) → limit
  const post = adapter.post;
  adapter.post = function (this: unknown, ...args: unknown[]) {
    const limit = routeLimit(args[args.length - 1]);
    if (limit !== undefined && typeof args[0] === 'string') routes.set(routeKey(args[0]), limit);
    return post.apply(this, args);
  };
  let placed = false;
  const place = (rawBody: unknown) => {
    if (placed) return;
    placed = true;
    adapter.use(mcpJsonBody(routes, rawBody === true));
  };
  // Both are how parsers get in (`bodyParser: false` apps call neither, and the route reads its own body).
  for (const name of ['registerParserMiddleware', 'useBodyParser'] as const) {
    const original = adapter[name];
    if (typeof original !== 'function') continue;
    adapter[name] = function (this: unknown, ...args: unknown[]) {
      place(args[1]); // (prefix | type, rawBody, ...)
      return original.apply(this, args);
    };
  }
}

/** Express routing ignores case and a trailing slash by default. */
function routeKey(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

function mcpJsonBody(routes: Map<string, number>, rawBody: boolean): Middleware {
  return function mcpJsonBody(req, res, next) {
    // A body some earlier parser of the app already read stays as it is (body-parser skips it the same way).
    if (req.method !== 'POST' || !routes.size || req.readableEnded || req.body !== undefined) return next();
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const limit = routes.get(path) ?? routes.get(routeKey(path)); // the exact path first: no lower-casing
    // Anything else (another charset, a compressed body) is left to the app's parser, which refuses or reads it.
    if (limit === undefined || !readsAsJson(req.headers)) return next();
    if (Number(req.headers['content-length']) > limit) return tooLarge(res, limit);
    readLimited(req, limit).then(
      (buffer) => {
        if (!buffer) return tooLarge(res, limit);
        if (rawBody) req.rawBody = buffer;
        try {
          req.body = JSON.parse(jsonText(buffer));
        } catch {
          return answer(res, 400, JsonRpcCode.ParseError, McpMessages.parseError());
        }
        req[BODY_READ_LIMIT] = limit;
        next();
      },
      () => undefined, // the client went away mid-body: nobody to answer
    );
  };
}

function readsAsJson(headers: IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = headers['content-type'];
  if (type === 'application/json') return true;
  if (!isJsonContentType(type)) return false;
  const charset = CHARSET.exec(type!)?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

function tooLarge(res: ServerResponse, limit: number): void {
  answer(res, 413, JsonRpcCode.InvalidRequest, McpMessages.bodyTooLarge(limit));
}

function answer(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  const json = JSON.stringify(jsonRpcError(code, message));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) }).end(json);
}
