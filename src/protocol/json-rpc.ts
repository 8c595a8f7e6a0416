import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from './mcp-request-state.js';

export const SUPPORTED_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

export const isRequest = (message: JsonRpcMessage): boolean => isJSONRPCRequest(message);
export const isNotification = (message: JsonRpcMessage): boolean => isJSONRPCNotification(message);

/** Validates a parsed body as one JSON-RPC message or a non-empty batch; undefined when it is neither. */
export function parseJsonRpcBody(body: unknown): JsonRpcMessage[] | undefined {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return undefined;
  for (const item of items) {
    if (!JSONRPCMessageSchema.safeParse(item).success) return undefined;
  }
  return items as JsonRpcMessage[];
}

/** A JSON-RPC error response (`id: null` when the request could not be identified). */
export function jsonRpcError(code: number, message: string, id: string | number | null = null): JsonRpcMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
