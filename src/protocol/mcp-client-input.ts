import { Inject, Injectable } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/mcp-principal.js';
import { buildDtoSchema, type JsonSchema } from '../discovery/dto-schema.builder.js';
import { McpArgumentsValidator } from '../execution/mcp-arguments.validator.js';
import type { McpElicitation, McpSamplingResult } from '../execution/mcp-context.js';
import { McpInputRequired } from '../execution/mcp-input-required.js';
import { McpToolError } from '../execution/mcp-tool.error.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { JsonRpcCode, McpProtocolError } from './json-rpc.errors.js';
import { META } from './mcp-envelope.js';
import { McpRequestStateSeal, requestDigest } from './mcp-request-state.seal.js';

/** The answers a 2026-07-28 request brings for its handler's requests to the client, and how many it has asked. */
export interface McpRounds {
  readonly answers: Readonly<Record<string, unknown>>;
  /** Incremented by each `elicit`/`sample` call: the input keys are positions, the same on every round. */
  count: number;
}

/** Methods whose 2026-07-28 results may be `input_required` (MRTR). */
export const MRTR_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** How long an `input_required` round stays answerable. */
const ROUND_TTL_MS = 15 * 60_000;

/** Keywords an elicitation schema may carry per property (MCP `PrimitiveSchemaDefinition`). */
const ELICIT_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  string: ['type', 'title', 'description', 'minLength', 'maxLength', 'format', 'default', 'enum', 'enumNames'],
  number: ['type', 'title', 'description', 'minimum', 'maximum', 'default'],
  integer: ['type', 'title', 'description', 'minimum', 'maximum', 'default'],
  boolean: ['type', 'title', 'description', 'default'],
};
const ELICIT_FORMATS = new Set(['email', 'uri', 'date', 'date-time']);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What handlers ask of the client (elicitation, sampling): the requested schema made from a DTO, the answers read
 * and validated, and the 2026-07-28 rounds (`input_required` results whose `requestState` is sealed, bound to the
 * principal, the request and a deadline).
 */
@Injectable()
export class McpClientInput {
  private readonly seal: McpRequestStateSeal;
  private readonly schemas = new WeakMap<Function, JsonSchema>();
  private readonly validators = new WeakMap<Function, McpArgumentsValidator>();

  constructor(@Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions) {
    this.seal = new McpRequestStateSeal(options.protocol.requestStateSecret);
  }

  /** The elicitation `requestedSchema` of a DTO: flat primitive properties only (MCP elicitation, form mode). */
  elicitationSchema(dto: Function): JsonSchema {
    let schema = this.schemas.get(dto);
    if (!schema) {
      const full = buildDtoSchema(dto, { additionalProperties: true });
      const properties: Record<string, JsonSchema> = {};
      for (const [name, property] of Object.entries((full.properties ?? {}) as Record<string, JsonSchema>)) {
        const type = Array.isArray(property.enum) && property.type === undefined ? 'string' : property.type;
        const allowed = typeof type === 'string' ? ELICIT_KEYWORDS[type] : undefined;
        if (!allowed || (type === 'string' && Array.isArray(property.enum) && !property.enum.every((v: unknown) => typeof v === 'string'))) {
          throw new Error(McpMessages.elicitationNotFlat(dto.name, name));
        }
        const kept: JsonSchema = { type };
        for (const key of allowed) if (key !== 'type' && property[key] !== undefined) kept[key] = property[key];
        if (typeof kept.format === 'string' && !ELICIT_FORMATS.has(kept.format)) delete kept.format;
        properties[name] = kept;
      }
      schema = { type: 'object', properties, ...(Array.isArray(full.required) && full.required.length && { required: full.required }) };
      this.schemas.set(dto, schema);
    }
    return schema;
  }

  /** An `ElicitResult` read: accept (content validated into the DTO), decline or cancel; anything else is refused. */
  async readElicitation<T>(dto: new (...args: never[]) => T, raw: unknown): Promise<McpElicitation<T>> {
    if (!isObject(raw)) throw new McpToolError(McpMessages.invalidClientAnswer('elicitation', 'not an object'));
    if (raw.action === 'decline' || raw.action === 'cancel') return { action: raw.action };
    if (raw.action !== 'accept') throw new McpToolError(McpMessages.invalidClientAnswer('elicitation', 'unknown action'));
    let validator = this.validators.get(dto);
    if (!validator) {
      validator = new McpArgumentsValidator(dto, this.options.validation, false);
      this.validators.set(dto, validator);
    }
    const checked = await validator.validate(raw.content ?? {});
    if (!checked.ok) throw new McpToolError(McpMessages.invalidClientAnswer('elicitation', checked.errors.join('; ')));
    return { action: 'accept', value: checked.value as T };
  }

  /** A `CreateMessageResult` read: a role, a content object and a model name. */
  readSampling(raw: unknown): McpSamplingResult {
    if (!isObject(raw) || (raw.role !== 'assistant' && raw.role !== 'user') || !isObject(raw.content) || typeof raw.model !== 'string') {
      throw new McpToolError(McpMessages.invalidClientAnswer('sampling', 'expected role, content and model'));
    }
    return raw as McpSamplingResult;
  }

  /**
   * The rounds of a 2026-07-28 request: none yet, or those its `requestState` carries plus the answers of its
   * `inputResponses` to what that round asked. A state that was altered, has expired, belongs to another principal or
   * to another request is refused (-32602); answers nobody asked for are ignored.
   */
  async rounds(method: string, params: Record<string, unknown>, principal: McpPrincipal): Promise<McpRounds> {
    const sealed = params.requestState;
    if (sealed === undefined) return { answers: {}, count: 0 };
    const state = typeof sealed === 'string' ? await this.seal.open(sealed) : undefined;
    if (!state || state.owner !== ownerKey(principal) || state.request !== requestDigest(method, params) || state.exp < Date.now()) {
      throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.requestStateRefused());
    }
    const answers: Record<string, unknown> = { ...state.answers };
    const responses = isObject(params.inputResponses) ? params.inputResponses : {};
    for (const key of state.asked) if (Object.hasOwn(responses, key)) answers[key] = responses[key];
    return { answers, count: 0 };
  }

  /** The `input_required` result asking for `pending`, with the sealed state of every answer gathered so far. */
  async inputRequired(
    method: string,
    params: Record<string, unknown>,
    principal: McpPrincipal,
    rounds: McpRounds,
    pending: McpInputRequired,
    serverInfo: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const requestState = await this.seal.seal({
      owner: ownerKey(principal),
      request: requestDigest(method, params),
      exp: Date.now() + ROUND_TTL_MS,
      answers: rounds.answers,
      asked: [pending.key],
    });
    return {
      resultType: 'input_required',
      inputRequests: { [pending.key]: pending.request },
      requestState,
      _meta: { [META.serverInfo]: serverInfo },
    };
  }
}

/** Rounds belong to a principal: the subject together with the client it used. */
function ownerKey(principal: McpPrincipal): string {
  return `${principal.principal.sub}\u0000${principal.clientId ?? ''}\u0000${principal.source}`;
}
