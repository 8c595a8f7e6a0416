import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { jsonRpcError } from '../protocol/json-rpc.js';

interface FastifyReplyLike {
  code(status: number): { type(contentType: string): { send(body: string): void } };
}

interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { bodyLimit?: number };
}

interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: { raw: IncomingMessage }, reply: unknown, done: () => void) => void): unknown;
}

interface BodyError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
}

/**
 * The framework parses JSON bodies before the MCP route runs, so its errors would reach MCP clients in the
 * framework's own format. This answers them the JSON-RPC way on the MCP path only: invalid JSON → 400 -32700,
 * an oversized body → 413. Other routes keep the app's handling (and its exception filters).
 */
@Injectable()
export class McpBodyErrors implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  /**
   * Nest installs its error handler after module init (`setErrorHandler`); wrap the handler it passes so body
   * errors on the MCP path are answered here and everything else still goes to Nest. Patched on this app's
   * adapter instance only.
   */
  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter as
      | { getType(): string; setErrorHandler(handler: Function, prefix?: string): unknown }
      | undefined;
    if (!adapter || !this.options.http || typeof adapter.setErrorHandler !== 'function') return;
    const install = adapter.setErrorHandler.bind(adapter);
    const express = adapter.getType() === 'express';
    if (!express) this.skipEmptyBodies(adapter as unknown as { getInstance?(): FastifyLike });
    const answerFor = (error: BodyError, request: IncomingMessage, limit?: () => number | undefined) => this.reply(error, request, limit);
    adapter.setErrorHandler = (handler: Function, prefix?: string) =>
      install(
        express
          ? (error: BodyError, request: IncomingMessage, response: ServerResponse, next: unknown) => {
              const answer = answerFor(error, request);
              if (!answer || response.headersSent) return handler(error, request, response, next);
              response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
            }
          : function (this: unknown, error: BodyError, request: FastifyRequestLike, reply: FastifyReplyLike) {
              const answer = answerFor(error, request.raw, () => request.routeOptions?.bodyLimit);
              if (!answer) return handler.call(this, error, request, reply);
              reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body));
            },
        prefix,
      );
  }

  /**
   * Fastify parses a DELETE or GET body whenever `Content-Type` names JSON, and refuses an empty one: a client
   * that sends the header on a bodiless DELETE (ending its session) would get a framework error instead. On the MCP
   * path only, a request that carries no body at all loses that header before parsing.
   */
  private skipEmptyBodies(adapter: { getInstance?(): FastifyLike }): void {
    const path = this.options.http ? this.options.http.path : undefined;
    const instance = adapter.getInstance?.();
    if (!path || typeof instance?.addHook !== 'function') return;
    instance.addHook('onRequest', (request: { raw: IncomingMessage }, _reply: unknown, done: () => void) => {
      const { method, headers, url } = request.raw;
      if (
        (method === 'DELETE' || method === 'GET') &&
        headers['content-type'] !== undefined &&
        headers['transfer-encoding'] === undefined &&
        (headers['content-length'] === undefined || headers['content-length'] === '0') &&
        isMcpPath(url, path)
      ) {
        delete headers['content-type'];
      }
      done();
    });
  }

  private reply(error: BodyError, request: IncomingMessage, limit?: () => number | undefined): { status: number; body: unknown } | undefined {
    if (!this.options.http || !isMcpPath(request.url, this.options.http.path)) return undefined;
    const status = error?.status ?? error?.statusCode;
    if (error?.type === 'entity.parse.failed' || error?.code === 'FST_ERR_CTP_INVALID_JSON' || error?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (status === 400 && error instanceof SyntaxError)) {
      return { status: 400, body: jsonRpcError(JsonRpcCode.ParseError, McpMessages.parseError()) };
    }
    if (error?.type === 'entity.too.large' || error?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
      // Named only when the limit that applied is the module's (Fastify: McpBodyLimit set it on the route); a
      // framework limit that still applies (an app's own parser on Express) may differ from maxBodyBytes.
      const max = this.options.http.maxBodyBytes;
      return { status: 413, body: jsonRpcError(JsonRpcCode.InvalidRequest, McpMessages.bodyTooLarge(limit?.() === max ? max : undefined)) };
    }
    // Any other refusal of the body by the framework (charset, encoding, media type, empty body): same status,
    // JSON-RPC shape.
    // (Only the framework's own errors reach this handler with a plain `status`: Nest's exceptions never do.)
    if (!(error instanceof HttpException) && typeof status === 'number' && status >= 400 && status < 500) {
      return { status, body: jsonRpcError(JsonRpcCode.InvalidRequest, McpMessages.bodyRefused(status)) };
    }
    return undefined;
  }
}

/** Whether a URL addresses the MCP route (under any global prefix or version segment). */
function isMcpPath(url: string | undefined, path: string): boolean {
  const pathname = (url ?? '').split('?')[0];
  return pathname === path || pathname.endsWith(path);
}
