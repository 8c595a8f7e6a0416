import { MCP_LOG_LEVELS, type McpLogLevel } from '../execution/mcp-context.js';
import { JsonRpcCode } from './json-rpc.errors.js';
import type { JsonRpcMessage } from './mcp-request-state.js';
import { isModernVersion, MODERN_VERSIONS, SUPPORTED_VERSIONS, type McpProtocolEras } from './mcp-versions.js';

/** The reserved `_meta` keys of a 2026-07-28 request (its per-request envelope) and result. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** What a 2026-07-28 request says about its client, read once from its envelope. */
export interface McpModernEnvelope {
  readonly version: string;
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo?: Readonly<{ name: string; version: string }>;
  /** Log messages go to the client only when it names a level (2026-07-28 has no `logging/setLevel`). */
  readonly logLevel?: McpLogLevel;
}

/** A request refused before dispatch: the HTTP status (transports without one ignore it) and the JSON-RPC error. */
export interface McpEraRejection {
  readonly era: 'rejected';
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export type McpEraClassification = { readonly era: 'legacy' } | { readonly era: 'modern'; readonly envelope: McpModernEnvelope } | McpEraRejection;

const LEGACY = { era: 'legacy' } as const;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const reject = (status: number, code: number, message: string, data?: Record<string, unknown>): McpEraRejection => ({
  era: 'rejected',
  status,
  code,
  message,
  ...(data && { data }),
});

/** The versions a server with these eras names in `server/discover` and in version errors, newest first. */
export function supportedVersions(eras: McpProtocolEras): readonly string[] {
  if (eras === 'modern') return MODERN_VERSIONS;
  if (eras === 'legacy') return SUPPORTED_VERSIONS;
  return [...MODERN_VERSIONS, ...SUPPORTED_VERSIONS];
}

/** -32022: the version is not one this server speaks; `data.supported` lets the client retry with one it does. */
export function unsupportedVersion(eras: McpProtocolEras, version: string | undefined): McpEraRejection {
  // The client's own string, echoed so it can tell which request failed; an absurd one is cut short.
  const requested = version === undefined || version.length <= 64 ? version : `${version.slice(0, 64)}…`;
  const message = requested === undefined ? 'Unsupported protocol version: the request names none' : `Unsupported protocol version: ${requested}`;
  return reject(400, JsonRpcCode.UnsupportedProtocolVersion, message, { supported: [...supportedVersions(eras)], ...(requested !== undefined && { requested }) });
}

/** -32020: the HTTP headers and the body disagree, or a required header is missing or malformed. */
export const headerMismatch = (detail: string): McpEraRejection => reject(400, JsonRpcCode.HeaderMismatch, `Header mismatch: ${detail}`);

/** The first problem of a present 2026-07-28 envelope, or its parsed form. */
function readEnvelope(meta: Record<string, unknown>): McpModernEnvelope | string {
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string') return `${META.protocolVersion}: expected a protocol version string`;
  const capabilities = meta[META.clientCapabilities];
  if (capabilities === undefined) return `${META.clientCapabilities}: missing`;
  if (!isObject(capabilities)) return `${META.clientCapabilities}: expected an object`;
  const info = meta[META.clientInfo];
  if (info !== undefined && (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string')) {
    return `${META.clientInfo}: expected an object with string name and version`;
  }
  const level = meta[META.logLevel];
  if (level !== undefined && !(MCP_LOG_LEVELS as readonly unknown[]).includes(level)) return `${META.logLevel}: expected a log level`;
  return {
    version,
    clientCapabilities: capabilities,
    ...(info !== undefined && { clientInfo: info as { name: string; version: string } }),
    ...(level !== undefined && { logLevel: level as McpLogLevel }),
  };
}

/**
 * Which era one JSON-RPC message (a request or a notification) belongs to, decided by its body: a message whose
 * `params._meta` carries the 2026-07-28 protocol-version claim is modern, anything else (an `initialize`, a message
 * without the claim) is legacy. `headerVersion` (the `MCP-Protocol-Version` header over HTTP; undefined on stdio) is
 * a cross-check, never the decider: a proxy stripping it cannot change the era.
 *
 * - a claim with a malformed envelope: -32602 naming the key (never a silent fall back to legacy);
 * - a claim disagreeing with the header: -32020;
 * - a header naming a modern revision on a message without the claim: -32602 (the envelope is missing);
 * - a claim naming a revision this server does not speak, or a legacy message to a modern-only server: -32022.
 */
export function classifyMessage(message: JsonRpcMessage, headerVersion: string | undefined, eras: McpProtocolEras): McpEraClassification {
  const params = message.params as Record<string, unknown> | undefined;
  const meta = params?._meta;
  const claimed = isObject(meta) && META.protocolVersion in meta;
  if (!claimed || eras === 'legacy') {
    // A legacy-only server reads no envelope: a modern client meets the version check of the legacy transport.
    if (eras === 'legacy') return LEGACY;
    if (headerVersion !== undefined && isModernVersion(headerVersion)) {
      if (message.method === 'initialize') return headerMismatch(`an initialize request was sent with MCP-Protocol-Version ${headerVersion}`);
      return reject(400, JsonRpcCode.InvalidParams, `Invalid params: MCP-Protocol-Version names ${headerVersion}, but params._meta lacks ${META.protocolVersion}`);
    }
    if (eras === 'modern') {
      const requested = message.method === 'initialize' && typeof params?.protocolVersion === 'string' ? params.protocolVersion : headerVersion;
      return unsupportedVersion(eras, requested);
    }
    return LEGACY;
  }
  const envelope = readEnvelope(meta);
  if (typeof envelope === 'string') return reject(400, JsonRpcCode.InvalidParams, `Invalid _meta envelope: ${envelope}`);
  if (headerVersion !== undefined && headerVersion !== envelope.version) {
    return headerMismatch(`MCP-Protocol-Version header names ${headerVersion} but params._meta names ${envelope.version}`);
  }
  if (!MODERN_VERSIONS.includes(envelope.version)) return unsupportedVersion(eras, envelope.version);
  return { era: 'modern', envelope };
}
