import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { McpAuthenticationError } from '../authentication/mcp-authentication.error.js';
import { buildChallenge } from '../authentication/mcp-challenge.js';
import { getMcpPrincipal, type McpPrincipal } from '../authentication/mcp-principal.js';
import { JsonRpcCode } from '../protocol/json-rpc.errors.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpHttpOptions, McpResolvedOptions } from '../mcp-auth.options.js';
import { isNotification, isRequest, jsonRpcError, parseJsonRpcBody, stepUpOf, SUPPORTED_VERSIONS } from '../protocol/json-rpc.js';
import type { JsonRpcMessage, McpRequestState } from '../protocol/mcp-request-state.js';
import { McpProtocol } from '../protocol/mcp-protocol.js';
import { McpSubscriptions } from '../protocol/mcp-subscriptions.js';
import { isJsonContentType } from './body-reader.js';
import { createHttpExchange, type HttpExchange } from './http-exchange.js';
import { McpSessionStore, type McpHttpSession } from './mcp-session.store.js';
import { exceedsDepth } from './json-depth.js';
import { classifyMessage, META, type McpEraRejection, type McpModernEnvelope } from '../protocol/mcp-envelope.js';
import type { McpProtocolEras } from '../protocol/mcp-versions.js';
import { checkStandardHeaders, paramHeaderMismatch } from './mcp-standard-headers.js';
import { writeEvent } from './sse.js';

const SESSION_HEADER = 'mcp-session-id';

/**
 * Streamable HTTP, both eras on one endpoint. 2026-07-28: every POST is one self-describing request (its `_meta`
 * envelope and standard headers), answered statelessly. 2025: POST carries JSON-RPC messages; in stateful mode
 * `initialize` opens a session bound to its principal, GET opens the session's event stream and DELETE ends it.
 */
@Injectable()
export class McpHttpHandler {
  /** Undefined when `http: false` came from async options after the route was declared: the route answers 404. */
  private readonly http?: Readonly<Required<McpHttpOptions>>;
  private readonly resourceMetadataUrl?: string;
  private readonly eras: McpProtocolEras;

  constructor(
    private readonly protocol: McpProtocol,
    private readonly sessions: McpSessionStore,
    private readonly subscriptions: McpSubscriptions,
    @Inject(MCP_RESOLVED_OPTIONS) options: McpResolvedOptions,
  ) {
    this.http = options.http || undefined;
    this.resourceMetadataUrl = options.resourceMetadataUrl;
    this.eras = options.protocol.eras;
  }

  private get stateful(): boolean {
    return this.http?.mode === 'stateful' && this.eras !== 'modern';
  }

  async post(request: unknown, response: unknown): Promise<void> {
    const ex = createHttpExchange(request, response);
    if (!this.http) return ex.sendEmpty(404);
    if (!isJsonContentType(ex.header('content-type'))) {
      return fail(ex, 415, JsonRpcCode.InvalidRequest, McpMessages.unsupportedMediaType());
    }
    const accept = ex.header('accept');
    if (accept !== undefined && !acceptsAny(accept, ['application/json', 'text/event-stream', '*/*', 'application/*'])) {
      return fail(ex, 406, JsonRpcCode.InvalidRequest, McpMessages.notAcceptable('application/json and text/event-stream'));
    }
    const max = this.http.maxBodyBytes;
    const length = Number(ex.header('content-length') ?? 0);
    if (length > max) return fail(ex, 413, JsonRpcCode.InvalidRequest, McpMessages.bodyTooLarge(max));
    let body = ex.parsedBody();
    if (body === undefined) {
      body = await ex.readBody(max); // no parser ran (`bodyParser: false`): read under the limit
      if (body === undefined) return fail(ex, 413, JsonRpcCode.InvalidRequest, McpMessages.bodyTooLarge(max));
    } else if (
      typeof body === 'string'
        ? Buffer.byteLength(body) > max
        : // Chunked, parsed under a limit unknown or higher than ours (an app's own parser): measure what arrived.
          !length && (ex.bodyReadLimit() ?? Infinity) > max && Buffer.byteLength(JSON.stringify(body) ?? '') > max
    ) {
      return fail(ex, 413, JsonRpcCode.InvalidRequest, McpMessages.bodyTooLarge(max));
    }
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return fail(ex, 400, JsonRpcCode.ParseError, McpMessages.parseError());
      }
    }
    if (exceedsDepth(body, this.http.maxJsonDepth)) {
      return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.tooDeep(this.http.maxJsonDepth));
    }
    if (Array.isArray(body) && body.length > this.http.maxBatchSize) {
      return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.batchTooLarge(this.http.maxBatchSize));
    }
    const messages = parseJsonRpcBody(body);
    if (!messages) return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.invalidRequest());
    const version = ex.header('mcp-protocol-version')?.trim();
    if (this.eras !== 'legacy') {
      if (Array.isArray(body)) {
        // 2026-07-28 requests stand alone: a batch is 2025 traffic.
        if (this.eras === 'modern' || messages.some(hasEnvelopeClaim)) return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.batchNotModern());
      } else if ('method' in messages[0]) {
        const era = classifyMessage(messages[0], version, this.eras);
        if (era.era === 'modern') return this.postModern(ex, messages[0], era.envelope, accept);
        if (era.era === 'rejected') {
          // A modern-only server drops a 2025 notification (`notifications/initialized`) rather than refuse it.
          if (this.eras === 'modern' && isNotification(messages[0]) && era.code === JsonRpcCode.UnsupportedProtocolVersion) return ex.sendEmpty(202);
          return reject(ex, era, messages[0]);
        }
      } else if (this.eras === 'modern') {
        return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.responseNotModern());
      }
    }
    if (version !== undefined && !SUPPORTED_VERSIONS.includes(version)) {
      return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.unsupportedProtocolVersion(version, SUPPORTED_VERSIONS));
    }

    const principal = principalOf(request);
    const initializing = messages.some((m) => m.method === 'initialize');
    let session: McpHttpSession | undefined;
    if (this.stateful) {
      if (initializing) {
        if (messages.length > 1) return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.initializeNotAlone());
        if (ex.header(SESSION_HEADER)) return fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.initializeWithSession());
        session = this.sessions.create(ownerKey(principal));
        if (!session) {
          return ex.sendJson(503, jsonRpcError(JsonRpcCode.ServerError, McpMessages.tooManySessions()), { 'retry-after': '30' });
        }
        // The session hears of list changes and of the resources it subscribes to, until it closes.
        session.onClose = this.subscriptions.attach(session);
      } else {
        session = this.findSession(ex, principal);
        if (!session) return;
      }
    }

    const requests: JsonRpcMessage[] = [];
    for (const message of messages) {
      if (isRequest(message)) requests.push(message);
      else if (isNotification(message)) this.forwardNotification(message, session);
      // The client's answer to a request this session's handler sent it (elicitation, sampling); never another's.
      else session?.answer(message);
    }
    const headers: Record<string, string> = session ? { [SESSION_HEADER]: session.id } : {};
    if (requests.length === 0) return ex.sendEmpty(202, headers);

    // Stateful responses stream as SSE, but the stream opens only with its first event: until then a step-up
    // challenge can still be answered with HTTP 403.
    const streaming = this.stateful && accept !== undefined && acceptsAny(accept, ['text/event-stream']);
    let stream: ServerResponse | undefined;
    const open = () => (stream ??= ex.openStream(headers));
    // A handler may send the client a request (elicitation, sampling) on this call's stream; the answer comes back
    // in a POST of the same session.
    const ask = streaming && session ? (method: string, params: Readonly<Record<string, unknown>>, signal: AbortSignal) => session.ask(method, params, signal, (m) => writeEvent(open(), m)) : undefined;
    const state: McpRequestState = { transport: 'http', principal, request: ex.request, response: ex.response, session, ...(ask && { ask }) };
    if (requests.length === 1 && !streaming) {
      // The common case, a single request answered with JSON, without the batch bookkeeping below.
      const reply = await this.dispatchOne(ex, requests[0], state, session);
      if (initializing && session && (!reply || 'error' in reply)) this.sessions.delete(session.id);
      const stepUp = stepUpOf(reply);
      if (stepUp && !ex.finished) return this.stepUp(ex, stepUp, principal, reply, body, headers);
      if (ex.finished) return;
      if (!reply) return ex.sendEmpty(202, headers);
      return ex.sendJson(200, Array.isArray(body) ? [reply] : reply, headers);
    }
    const held: JsonRpcMessage[] = [];
    const notify = streaming ? (note: JsonRpcMessage) => writeEvent(open(), note) : undefined;
    const dispatched = requests.map((message) => {
      const d = this.protocol.dispatch(message, state, notify);
      session?.inflight.set(message.id as string | number, d);
      return d;
    });
    // A client that goes away cancels its unfinished requests: their handlers see the abort signal.
    ex.onClose(() => {
      if (ex.finished) return;
      for (const d of dispatched) d.cancel('client disconnected');
    });
    const responses = await Promise.all(
      dispatched.map((d) =>
        d.response.then((reply) => {
          if (streaming && reply) {
            if (stepUpOf(reply) && !stream) held.push(reply);
            else writeEvent(open(), reply);
          }
          return reply;
        }),
      ),
    );
    if (session) for (const message of requests) session.inflight.delete(message.id as string | number);
    if (initializing && session && (!responses[0] || 'error' in responses[0])) this.sessions.delete(session.id);
    const replies = responses.filter((r): r is JsonRpcMessage => r !== undefined);
    const stepUp = [...new Set(replies.flatMap((r) => stepUpOf(r) ?? []))];
    if (stepUp.length && !stream && !ex.finished) return this.stepUp(ex, stepUp, principal, replies, body, headers);
    if (streaming) {
      for (const reply of held) writeEvent(open(), reply);
      if (stream) (stream as ServerResponse).end();
      else if (!ex.finished) ex.sendEmpty(202, headers);
      return;
    }
    if (ex.finished) return;
    if (!replies.length) return ex.sendEmpty(202, headers);
    ex.sendJson(200, Array.isArray(body) ? replies : replies[0], headers);
  }

  /**
   * A 2026-07-28 request: stateless (a `Mcp-Session-Id` is ignored), its standard headers checked against the body,
   * answered with JSON or, when the handler sends progress or log notifications, with an SSE stream of its own that
   * opens at the first one. Closing that stream cancels the request. An unknown method is HTTP 404.
   */
  private async postModern(ex: HttpExchange, message: JsonRpcMessage, envelope: McpModernEnvelope, accept: string | undefined): Promise<void> {
    const mismatch = checkStandardHeaders((name) => ex.header(name), message);
    if (mismatch) return reject(ex, mismatch, message);
    if (!isRequest(message)) return ex.sendEmpty(202);
    const principal = principalOf(ex.request);
    const header = (name: string) => ex.header(name);
    const state: McpRequestState = {
      transport: 'http',
      principal,
      request: ex.request,
      response: ex.response,
      modern: envelope,
      paramHeaders: (declared, args) => paramHeaderMismatch(header, declared, args),
    };
    let stream: ServerResponse | undefined;
    const notify = accept !== undefined && acceptsAny(accept, ['text/event-stream']) ? (note: JsonRpcMessage) => writeEvent((stream ??= ex.openStream({})), note) : undefined;
    const listening = message.method === 'subscriptions/listen';
    if (listening && !notify) return fail(ex, 406, JsonRpcCode.InvalidRequest, McpMessages.listenNeedsStream());
    // A long-lived listen stream gets keep-alive comments, so intermediaries do not close it while it is quiet.
    const keepAlive = listening ? setInterval(() => stream?.write(': keep-alive\n\n'), this.http!.keepAliveMs).unref() : undefined;
    const reply = await this.dispatchOne(ex, message, state, undefined, notify).finally(() => clearInterval(keepAlive));
    if (stream) {
      if (reply) writeEvent(stream, reply);
      return void stream.end();
    }
    const stepUp = stepUpOf(reply);
    if (stepUp && !ex.finished) return this.stepUp(ex, stepUp, principal, reply, message, {});
    if (ex.finished || !reply) return;
    ex.sendJson(modernStatus((reply.error as { code?: number } | undefined)?.code), reply);
  }

  /**
   * Dispatches one request; a client that goes away cancels it (its handler sees the abort signal). Requests the
   * module answers itself watch the connection only once their handler asks for the signal (most never do).
   */
  private dispatchOne(
    ex: HttpExchange,
    message: JsonRpcMessage,
    state: McpRequestState,
    session: McpHttpSession | undefined,
    notify?: (message: JsonRpcMessage) => void,
  ): Promise<JsonRpcMessage | undefined> {
    const d = this.protocol.dispatch(message, state, notify);
    d.onSignal(() =>
      ex.onClose(() => {
        if (!ex.finished) d.cancel('client disconnected');
      }),
    );
    if (!session) return d.response;
    session.inflight.set(message.id as string | number, d);
    return d.response.then((reply) => {
      session.inflight.delete(message.id as string | number);
      return reply;
    });
  }

  /** MCP 2025-11-25 scope challenge: 403 insufficient_scope naming granted ∪ required scopes, with the replies. */
  private stepUp(
    ex: HttpExchange,
    scopes: readonly string[],
    principal: McpPrincipal,
    replies: JsonRpcMessage | JsonRpcMessage[] | undefined,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    const challenge = buildChallenge(new McpAuthenticationError('insufficient_scope', undefined, [...new Set(scopes)], principal.scopes), {
      resourceMetadataUrl: this.resourceMetadataUrl,
    });
    const list = replies === undefined ? [] : Array.isArray(replies) ? replies : [replies];
    ex.sendJson(403, Array.isArray(body) ? list : list[0], { ...headers, 'www-authenticate': challenge.header });
  }

  async get(request: unknown, response: unknown): Promise<void> {
    const ex = createHttpExchange(request, response);
    if (!this.http) return ex.sendEmpty(404);
    if (!this.stateful || this.eras === 'modern') return this.methodNotAllowed(ex);
    const accept = ex.header('accept');
    if (!accept || !acceptsAny(accept, ['text/event-stream'])) {
      return fail(ex, 406, JsonRpcCode.InvalidRequest, McpMessages.notAcceptable('text/event-stream'));
    }
    const session = this.findSession(ex, principalOf(request));
    if (!session) return;
    if (session.hasStream) return fail(ex, 409, JsonRpcCode.InvalidRequest, McpMessages.streamAlreadyOpen());
    const stream = ex.openStream({ [SESSION_HEADER]: session.id });
    session.attach(stream);
    ex.onClose(() => session.detach(stream));
  }

  async delete(request: unknown, response: unknown): Promise<void> {
    const ex = createHttpExchange(request, response);
    if (!this.http) return ex.sendEmpty(404);
    if (!this.stateful || this.eras === 'modern') return this.methodNotAllowed(ex);
    const session = this.findSession(ex, principalOf(request));
    if (!session) return;
    for (const d of session.inflight.values()) d.cancel('session ended');
    this.sessions.delete(session.id);
    ex.sendEmpty(204);
  }

  /** The session named by the request, when it belongs to the caller; otherwise the reply is sent (400/404). */
  private findSession(ex: HttpExchange, principal: McpPrincipal): McpHttpSession | undefined {
    const id = ex.header(SESSION_HEADER);
    if (!id) {
      fail(ex, 400, JsonRpcCode.InvalidRequest, McpMessages.sessionRequired());
      return undefined;
    }
    const session = this.sessions.get(id);
    // Another principal's session looks exactly like an unknown one: no oracle for valid ids.
    if (!session || session.ownerKey !== ownerKey(principal)) {
      fail(ex, 404, JsonRpcCode.ServerError, McpMessages.sessionNotFound());
      return undefined;
    }
    return session;
  }

  private forwardNotification(message: JsonRpcMessage, session: McpHttpSession | undefined): void {
    if (message.method === 'notifications/cancelled') {
      // The client names its own request id: cancel that request of this session (never another's).
      const params = (message.params ?? {}) as { requestId?: string | number; reason?: string };
      if (params.requestId !== undefined) session?.inflight.get(params.requestId)?.cancel(params.reason ?? 'cancelled by client');
    }
    // Other notifications (initialized, ...) need no answer.
  }

  private methodNotAllowed(ex: HttpExchange): void {
    const message = this.eras === 'modern' ? McpMessages.methodNotAllowedModern() : McpMessages.methodNotAllowed();
    ex.sendJson(405, jsonRpcError(JsonRpcCode.InvalidRequest, message), { allow: 'POST' });
  }
}

function fail(ex: HttpExchange, status: number, code: number, message: string): void {
  ex.sendJson(status, jsonRpcError(code, message));
}

/**
 * The HTTP status of a 2026-07-28 reply: an unknown method is 404; a header mismatch and a missing client capability
 * are 400 (the spec puts both on the error itself); every other result or error is 200.
 */
function modernStatus(code: number | undefined): number {
  if (code === JsonRpcCode.MethodNotFound) return 404;
  if (code === JsonRpcCode.HeaderMismatch || code === JsonRpcCode.MissingRequiredClientCapability) return 400;
  return 200;
}

/** A request refused before dispatch, answered with its own id when it has one. */
function reject(ex: HttpExchange, rejection: McpEraRejection, message: JsonRpcMessage): void {
  const id = 'id' in message ? (message.id as string | number) : null;
  ex.sendJson(rejection.status, jsonRpcError(rejection.code, rejection.message, id, rejection.data));
}

/** Whether a message claims the 2026-07-28 envelope (its `_meta` names a protocol version). */
function hasEnvelopeClaim(message: JsonRpcMessage): boolean {
  const meta = (message.params as { _meta?: unknown } | undefined)?._meta;
  return typeof meta === 'object' && meta !== null && META.protocolVersion in meta;
}

function acceptsAny(accept: string, types: string[]): boolean {
  const lower = accept.toLowerCase();
  return types.some((type) => lower.includes(type));
}

/** The principal the route's guard stored on the request; its absence means the guard did not run: fail closed. */
function principalOf(request: unknown): McpPrincipal {
  const result = getMcpPrincipal(request);
  if (!result) throw new Error('McpAuthModule: the MCP route ran without its authentication guard');
  return result;
}

/** Sessions belong to a principal: the subject together with the client it used. */
function ownerKey(principal: McpPrincipal): string {
  return `${principal.principal.sub}\u0000${principal.clientId ?? ''}`;
}
