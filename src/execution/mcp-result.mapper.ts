import { Buffer } from 'node:buffer';

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * Turns a tool handler's return value into a `CallToolResult`: a string becomes text content; a plain object
 * becomes `structuredContent` plus its JSON as text; a result-shaped object (`{ content: [...] }`) passes through.
 */
export function toToolResult(value: unknown): Json {
  if (isPlainObject(value) && Array.isArray(value.content)) return value;
  if (value === undefined || value === null) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const text = JSON.stringify(value) ?? String(value);
  if (isPlainObject(value)) return { content: [{ type: 'text', text }], structuredContent: value };
  return { content: [{ type: 'text', text }] };
}

/** A tool error result (`isError: true`), the shape clients show to the model (SEP-1303). */
export function toToolError(message: string, details?: Json): Json {
  return { content: [{ type: 'text', text: message }], isError: true, ...(details ? { structuredContent: details } : {}) };
}

/**
 * Turns a resource handler's return value into `ReadResourceResult` contents: strings are text, bytes are
 * base64 blobs, objects are JSON, and `{ contents: [...] }` passes through.
 */
export function toResourceResult(value: unknown, uri: string, mimeType: string | undefined): Json {
  if (isPlainObject(value) && Array.isArray(value.contents)) return value;
  if (typeof value === 'string') return { contents: [{ uri, mimeType: mimeType ?? 'text/plain', text: value }] };
  if (value instanceof Uint8Array) {
    return {
      contents: [{ uri, mimeType: mimeType ?? 'application/octet-stream', blob: Buffer.from(value).toString('base64') }],
    };
  }
  return { contents: [{ uri, mimeType: mimeType ?? 'application/json', text: JSON.stringify(value ?? null) }] };
}

/**
 * Turns a prompt handler's return value into `GetPromptResult`: a string is one user message, an array is the
 * message list, and `{ messages: [...] }` passes through.
 */
export function toPromptResult(value: unknown, description: string | undefined): Json {
  if (isPlainObject(value) && Array.isArray(value.messages)) return value;
  const messages = Array.isArray(value)
    ? value
    : [{ role: 'user', content: { type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) } }];
  return { ...(description ? { description } : {}), messages };
}
