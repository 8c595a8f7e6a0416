import { createRequire } from 'node:module';
import { getMetadataStorage } from 'class-validator';
import { MCP_PROPERTY_METADATA } from '../mcp-auth.constants.js';

export type JsonSchema = Record<string, unknown>;
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

export interface DtoSchemaOptions {
  /** `false` when unknown properties are refused (class-validator `forbidNonWhitelisted`). */
  readonly additionalProperties: boolean;
}

interface TypeMetadataStorage {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction: (options?: unknown) => Function } | undefined;
}

// class-transformer keeps `@Type(() => Nested)` in a storage its index does not export; read it where it lives.
const typeStorage: TypeMetadataStorage | undefined = (() => {
  try {
    return createRequire(import.meta.url)('class-transformer/cjs/storage.js').defaultMetadataStorage;
  } catch {
    return undefined;
  }
})();

const MAX_DEPTH = 16;

/**
 * Builds the JSON Schema of a class-validator DTO from its decorators (type, required/optional, enums, ranges,
 * lengths, patterns, formats, nested DTOs, arrays) and `@McpProperty` descriptions. Called once per DTO at
 * bootstrap; the result is cached by the caller. Validation itself always stays with class-validator.
 */
export function buildDtoSchema(dto: Function, options: DtoSchemaOptions): JsonSchema {
  return objectSchema(dto, options, []);
}

/** Whether class-validator knows any property of this class (otherwise it is no DTO to validate). */
export function isValidatedDto(type: unknown): type is Function {
  return (
    typeof type === 'function' &&
    ![Object, String, Number, Boolean, Array, Date, Promise].includes(type as never) &&
    getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0
  );
}

function objectSchema(target: Function, options: DtoSchemaOptions, stack: Function[]): JsonSchema {
  if (stack.includes(target) || stack.length >= MAX_DEPTH) return { type: 'object' };
  const path = [...stack, target];
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
    const list = byProperty.get(meta.propertyName) ?? [];
    list.push(meta);
    byProperty.set(meta.propertyName, list);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, metas] of byProperty) {
    const { schema, optional } = propertySchema(target, property, metas, options, path);
    properties[property] = schema;
    if (!optional) required.push(property);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(options.additionalProperties ? {} : { additionalProperties: false }),
  };
}

function propertySchema(
  target: Function,
  property: string,
  metas: ValidationMetadata[],
  options: DtoSchemaOptions,
  stack: Function[],
): { schema: JsonSchema; optional: boolean } {
  const designType = Reflect.getMetadata('design:type', target.prototype, property) as Function | undefined;
  let schema: JsonSchema = {};
  let items: JsonSchema | undefined;
  let optional = false;
  for (const meta of metas) {
    if (meta.type === 'conditionalValidation') {
      optional = true; // @IsOptional and @ValidateIf: the property may be absent
      continue;
    }
    let keywords: JsonSchema | undefined;
    if (meta.type === 'nestedValidation') {
      const nested = typeStorage?.findTypeMetadata(target, property)?.typeFunction() ?? designType;
      keywords = nested && nested !== Array && nested !== Object ? objectSchema(nested, options, stack) : { type: 'object' };
    } else if (meta.type === 'customValidation' && meta.name) {
      keywords = keywordsFor(meta.name, meta.constraints ?? []);
    }
    if (!keywords) continue;
    const each = meta.each || (meta.type === 'nestedValidation' && designType === Array);
    if (each) items = { ...items, ...keywords };
    else schema = { ...schema, ...keywords };
  }
  if (items || (designType === Array && schema.type === undefined)) {
    schema = { ...schema, type: 'array', ...(items ? { items } : {}) };
  }
  if (schema.type === undefined && schema.enum === undefined && schema.const === undefined) {
    const inferred = inferType(designType);
    if (inferred) schema = { type: inferred, ...schema };
  }
  const extra = Reflect.getMetadata(MCP_PROPERTY_METADATA, target.prototype, property) as JsonSchema | undefined;
  return { schema: extra ? { ...schema, ...extra } : schema, optional };
}

function inferType(designType: Function | undefined): string | undefined {
  switch (designType) {
    case String:
      return 'string';
    case Number:
      return 'number';
    case Boolean:
      return 'boolean';
    case Array:
      return 'array';
    case Date:
      return 'string';
    default:
      return undefined;
  }
}

function keywordsFor(name: string, c: unknown[]): JsonSchema | undefined {
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'isNumber':
      return { type: 'number' };
    case 'isInt':
      return { type: 'integer' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isArray':
      return { type: 'array' };
    case 'isObject':
      return { type: 'object' };
    case 'isEnum':
      return { enum: Array.isArray(c[1]) ? c[1] : enumValues(c[0]) };
    case 'isIn':
      return { enum: c[0] as unknown[] };
    case 'equals':
      return { const: c[0] };
    case 'minLength':
      return { minLength: c[0] };
    case 'maxLength':
      return { maxLength: c[0] };
    case 'isLength':
      return { minLength: c[0], ...(typeof c[1] === 'number' ? { maxLength: c[1] } : {}) };
    case 'isNotEmpty':
      return { minLength: 1 };
    case 'min':
      return { minimum: c[0] };
    case 'max':
      return { maximum: c[0] };
    case 'isPositive':
      return { exclusiveMinimum: 0 };
    case 'isNegative':
      return { exclusiveMaximum: 0 };
    case 'matches':
      return { type: 'string', pattern: c[0] instanceof RegExp ? c[0].source : String(c[0]) };
    case 'isEmail':
      return { type: 'string', format: 'email' };
    case 'isUrl':
      return { type: 'string', format: 'uri' };
    case 'isUuid':
      return { type: 'string', format: 'uuid' };
    case 'isDateString':
    case 'isIso8601':
      return { type: 'string', format: 'date-time' };
    case 'arrayMinSize':
      return { type: 'array', minItems: c[0] };
    case 'arrayMaxSize':
      return { type: 'array', maxItems: c[0] };
    case 'arrayNotEmpty':
      return { type: 'array', minItems: 1 };
    case 'arrayUnique':
      return { type: 'array', uniqueItems: true };
    default:
      return undefined;
  }
}

function enumValues(enumObject: unknown): unknown[] {
  if (!enumObject || typeof enumObject !== 'object') return [];
  // numeric TypeScript enums map names to numbers and numbers back to names: keep the values
  return Object.entries(enumObject)
    .filter(([key]) => Number.isNaN(Number(key)))
    .map(([, value]) => value);
}
