import { createRequire } from 'node:module';
import type { McpArgumentsResult } from './mcp-arguments.validator.js';

/** What a component's arguments are checked with: a class-validator DTO, or a declared JSON Schema. */
export interface McpArgumentsCheck {
  validate(raw: unknown): McpArgumentsResult | Promise<McpArgumentsResult>;
}

interface AjvError {
  instancePath: string;
  message?: string;
}
type AjvValidate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface AjvInstance {
  compile(schema: object): AjvValidate;
  addKeyword(definition: { keyword: string }): unknown;
}

let ajv: AjvInstance | undefined;
/**
 * Ajv for JSON Schema 2020-12 (the MCP default dialect), loaded only when a tool declares its own `inputSchema`.
 * An unknown keyword is a startup error (a typo never loosens a schema silently); `x-mcp-header`, the MCP annotation
 * for mirrored headers, is known. The arguments are never coerced nor filled in.
 */
function ajv2020(): AjvInstance {
  if (!ajv) {
    const Ajv = createRequire(import.meta.url)('ajv/dist/2020.js') as { default: new (options: object) => AjvInstance };
    ajv = new Ajv.default({ strict: false, strictSchema: true, allErrors: false, coerceTypes: false, useDefaults: false, validateFormats: false });
    ajv.addKeyword({ keyword: 'x-mcp-header' });
  }
  return ajv;
}

/** At most this many problems are reported; the first one is usually what the model needs. */
const MAX_ERRORS = 5;

/**
 * Validates a tool's arguments against the JSON Schema it declares (`@McpTool({ inputSchema })`), compiled once at
 * startup. The arguments reach the handler as sent: a plain object, never coerced.
 */
export class McpJsonSchemaValidator implements McpArgumentsCheck {
  private readonly check: AjvValidate;

  /** Throws with Ajv's message when the schema is not a valid JSON Schema. */
  constructor(schema: Readonly<Record<string, unknown>>) {
    this.check = ajv2020().compile(schema);
  }

  validate(raw: unknown): McpArgumentsResult {
    const input = raw ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: ['arguments must be an object'] };
    if (this.check(input)) return { ok: true, value: input };
    const errors = (this.check.errors ?? []).slice(0, MAX_ERRORS).map((e) => `${e.instancePath || 'arguments'} ${e.message ?? 'is invalid'}`);
    return { ok: false, errors: errors.length ? errors : ['arguments are invalid'] };
  }
}
