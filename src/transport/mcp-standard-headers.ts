import { headerMismatch, type McpEraRejection } from '../protocol/mcp-envelope.js';
import type { JsonRpcMessage } from '../protocol/mcp-request-state.js';
import type { McpParamHeader } from '../discovery/mcp-param-headers.js';

/** The body field `Mcp-Name` mirrors, per method (2026-07-28 Streamable HTTP, standard request headers). */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = Object.freeze({ 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' });

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
/** Canonical base64 (padding required, no whitespace): anything else in a sentinel is malformed. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A header value as sent (`=?base64?…?=` decoded as UTF-8); undefined when the sentinel holds no valid base64 UTF-8. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX) && value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length)) {
    return value;
  }
  const encoded = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    return utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * The standard request headers of a 2026-07-28 request, checked against its body: `MCP-Protocol-Version` and
 * `Mcp-Method` on every request, `Mcp-Name` (decoded) equal to `params.name`/`params.uri` on `tools/call`,
 * `prompts/get` and `resources/read`. Intermediaries route on these headers, so a request whose headers say one
 * thing and whose body another is refused (400, -32020) before anything runs. Notifications are not checked (the
 * revision defines no header rules for them).
 */
export function checkStandardHeaders(header: (name: string) => string | undefined, message: JsonRpcMessage): McpEraRejection | undefined {
  if (!('id' in message)) return undefined;
  const method = message.method as string;
  if (header('mcp-protocol-version') === undefined) return headerMismatch('the MCP-Protocol-Version header is required');
  const methodHeader = header('mcp-method')?.trim();
  if (methodHeader === undefined) return headerMismatch('the Mcp-Method header is required');
  if (methodHeader !== method) return headerMismatch(`the Mcp-Method header names ${JSON.stringify(methodHeader)} but the body names ${JSON.stringify(method)}`);
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  if (!field) return undefined;
  const raw = (message.params as Record<string, unknown> | undefined)?.[field];
  const bodyValue = typeof raw === 'string' ? raw : undefined;
  const nameHeader = header('mcp-name')?.trim();
  if (nameHeader === undefined) return bodyValue === undefined ? undefined : headerMismatch('the Mcp-Name header is required');
  const decoded = decodeHeaderValue(nameHeader);
  if (decoded === undefined) return headerMismatch('the Mcp-Name header holds an invalid base64 value');
  if (bodyValue !== undefined && decoded !== bodyValue) return headerMismatch(`the Mcp-Name header does not match params.${field}`);
  return undefined;
}

/**
 * `Mcp-Param-*` headers of a `tools/call` against the arguments: a parameter with a value must have its header,
 * decoded equal to it (integers compared as numbers, booleans as `true`/`false`); a header without a value in the
 * body is refused too (an intermediary acted on something the server will not see). Undefined when they agree,
 * else what disagrees.
 */
export function paramHeaderMismatch(
  header: (name: string) => string | undefined,
  declared: readonly McpParamHeader[],
  args: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  for (const { header: name, path, type } of declared) {
    let value: unknown = args;
    for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    const sent = header(name)?.trim();
    if (value === undefined || value === null) {
      if (sent !== undefined) return `the ${name} header names a value the arguments do not hold`;
      continue;
    }
    if (sent === undefined) return `the ${name} header is required`;
    const decoded = decodeHeaderValue(sent);
    if (decoded === undefined) return `the ${name} header holds an invalid base64 value`;
    const matches =
      type === 'integer'
        ? typeof value === 'number' && /^-?\d+(\.0+)?$/.test(decoded) && Number(decoded) === value
        : type === 'boolean'
          ? typeof value === 'boolean' && decoded === String(value)
          : typeof value === 'string' && decoded === value;
    if (!matches) return `the ${name} header does not match the arguments`;
  }
  return undefined;
}
