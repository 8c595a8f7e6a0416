import type { JsonRpcMessage } from './mcp-request-state.js';

export { SUPPORTED_VERSIONS } from './mcp-versions.js';

type Message = Record<string, unknown>;

const isId = (id: unknown) => typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
const isObject = (value: unknown): value is Message => typeof value === 'object' && value !== null && !Array.isArray(value);

export const isRequest = (message: JsonRpcMessage): boolean => typeof message.method === 'string' && 'id' in message;
export const isNotification = (message: JsonRpcMessage): boolean => typeof message.method === 'string' && !('id' in message);

/**
 * JSON-RPC 2.0 shape of one message: a request (method + id), a notification (method, no id) or a response
 * (id + result or error). Plain field checks: this runs on every request, so no schema library.
 */
function isMessage(value: unknown): value is JsonRpcMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if (value.params !== undefined && !isObject(value.params)) return false;
  if (typeof value.method === 'string') return !('id' in value) || isId(value.id);
  if (!isId(value.id)) return false;
  if ('result' in value) return isObject(value.result) && !('error' in value);
  return isObject(value.error) && typeof value.error.code === 'number' && typeof value.error.message === 'string';
}

/** Validates a parsed body as one JSON-RPC message or a non-empty batch; undefined when it is neither. */
export function parseJsonRpcBody(body: unknown): JsonRpcMessage[] | undefined {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return undefined;
  for (const item of items) if (!isMessage(item)) return undefined;
  return items as JsonRpcMessage[];
}

/** A JSON-RPC error response (`id: null` when the request could not be identified). */
export function jsonRpcError(code: number, message: string, id: string | number | null = null, data?: Record<string, unknown>): JsonRpcMessage {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** A message that carries its own serialization (a cached list): written as is, never stringified again. */
export const RAW_JSON = Symbol('McpRawJson');
/** A result that carries its own serialization. */
export const RAW_RESULT = Symbol('McpRawResult');

/** Serializes a message or a batch, reusing pre-serialized parts. */
export function serialize(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  const raw = (value as { [RAW_JSON]?: string } | null)?.[RAW_JSON];
  return raw ?? JSON.stringify(value);
}

/** Marks a (cached, never mutated) result with its serialization, computed once. */
export function withRawResult<T extends object>(result: T): T {
  Object.defineProperty(result, RAW_RESULT, { value: JSON.stringify(result), enumerable: false });
  return result;
}

/** A success response; when the result carries its serialization, so does the response. */
export function jsonRpcResult(id: string | number, result: unknown): JsonRpcMessage {
  const message = { jsonrpc: '2.0', id, result } as JsonRpcMessage;
  const raw = (result as { [RAW_RESULT]?: string } | null)?.[RAW_RESULT];
  if (raw !== undefined) {
    Object.defineProperty(message, RAW_JSON, { value: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${raw}}`, enumerable: false });
  }
  return message;
}

/** On an error reply: the scopes a step-up challenge names (never serialized). */
const STEP_UP = Symbol('McpStepUp');

/** A JSON-RPC error reply; a step-up denial also carries its scopes for the HTTP layer's 403 challenge. */
export function jsonRpcErrorReply(id: string | number, code: number, message: string, stepUp?: readonly string[], data?: Record<string, unknown>): JsonRpcMessage {
  const reply = jsonRpcError(code, message, id, data);
  if (stepUp?.length) Object.defineProperty(reply, STEP_UP, { value: stepUp, enumerable: false });
  return reply;
}

/** The scopes of a step-up denial carried by a reply, if it is one. */
export function stepUpOf(reply: JsonRpcMessage | undefined): readonly string[] | undefined {
  return (reply as { [STEP_UP]?: readonly string[] } | undefined)?.[STEP_UP];
}

/** Fields added to every result of a method, serialized once. */
export interface McpResultFields {
  readonly fields: Readonly<Record<string, unknown>>;
  /** `JSON.stringify(fields)` without its closing brace, to splice before a serialized result's members. */
  readonly head: string;
}

export function resultFields(fields: Record<string, unknown>): McpResultFields {
  const json = JSON.stringify(fields);
  return { fields, head: json.slice(0, -1) };
}

/**
 * The result with `extra` fields added (a result's own `_meta` keeps its keys beside the extra ones). A result that
 * carries its serialization gets one spliced from both, so a cached list is still never stringified again.
 */
export function withResultFields(result: unknown, extra: McpResultFields): Record<string, unknown> {
  const value = (result ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...extra.fields, ...value };
  const meta = extra.fields._meta as Record<string, unknown> | undefined;
  if (meta && value._meta !== undefined) out._meta = { ...meta, ...(value._meta as Record<string, unknown>) };
  const raw = (value as { [RAW_RESULT]?: string })[RAW_RESULT];
  if (raw !== undefined && value._meta === undefined) {
    const spliced = extra.head === '{' ? raw : raw === '{}' ? `${extra.head}}` : `${extra.head},${raw.slice(1)}`;
    Object.defineProperty(out, RAW_RESULT, { value: spliced, enumerable: false });
  }
  return out;
}
