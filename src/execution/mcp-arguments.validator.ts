import { createRequire } from 'node:module';
import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { McpMessages } from '../mcp-auth.messages.js';
import { ValidationShortcut } from './validation-shortcut.js';

const logger = new Logger('McpAuthModule');

/** class-transformer's registry of @Type/@Transform/@Expose/@Exclude, keyed by class (the package's own storage). */
interface TransformerStorage {
  readonly [key: `_${string}Metadatas`]: unknown;
}
const transformerStorage = (() => {
  try {
    return (createRequire(import.meta.url)('class-transformer/cjs/storage.js') as { defaultMetadataStorage?: TransformerStorage })
      .defaultMetadataStorage;
  } catch {
    return undefined;
  }
})();
const TRANSFORMER_REGISTRIES = ['_typeMetadatas', '_transformMetadatas', '_exposeMetadatas', '_excludeMetadatas'] as const;

/**
 * Whether `plainToInstance` would only construct the class and copy primitive values onto it: no class-transformer
 * decorator anywhere on the class or its ancestors. Unknown storage layouts answer false (the full transform runs).
 */
function isPlainDto(dto: Function): boolean {
  if (!transformerStorage) return false;
  const registries = TRANSFORMER_REGISTRIES.map((name) => transformerStorage[name]);
  if (!registries.every((r) => r instanceof Map)) return false;
  for (let type: unknown = dto; typeof type === 'function' && type !== Function.prototype; type = Object.getPrototypeOf(type)) {
    if (registries.some((r) => (r as Map<unknown, unknown>).has(type))) return false;
  }
  return true;
}

/** The class's own prototype properties class-transformer never assigns: every one without a setter (methods too). */
function unassignable(dto: Function): Set<string> {
  const names = new Set<string>();
  const descriptors = Object.getOwnPropertyDescriptors(dto.prototype ?? {});
  for (const [name, descriptor] of Object.entries(descriptors)) if (!descriptor.set) names.add(name);
  return names;
}

/** A parameter bound to one argument (`@McpArgs('id') id: number`), checked when there is no DTO. */
export interface McpBoundArgument {
  readonly name: string;
  readonly type?: Function;
  /** Pipes on the parameter convert the value themselves: only its presence is checked here. */
  readonly piped?: boolean;
}

export type McpArgumentsResult = { ok: true; value: unknown } | { ok: false; errors: string[] };

/**
 * Validates raw arguments against a class-validator DTO, built once per component at bootstrap.
 * Without a DTO the arguments pass through as a plain object.
 */
export class McpArgumentsValidator {
  /** For DTOs without class-transformer decorators: the prototype properties the direct copy must skip. */
  private readonly plain?: Set<string>;
  /** The DTO's synchronous rules gathered once: arguments they accept skip `validate()`'s per-call machinery. */
  private readonly shortcut?: ValidationShortcut;

  constructor(
    private readonly dto: Function | undefined,
    private readonly options: ValidatorOptions,
    /** URI template variables and prompt arguments are strings: convert them to the DTO's property types. */
    private readonly implicitConversion: boolean,
    private readonly bound: readonly McpBoundArgument[] = [],
  ) {
    if (dto && !implicitConversion && isPlainDto(dto)) this.plain = unassignable(dto);
    if (dto) this.shortcut = ValidationShortcut.compile(dto, options);
  }

  /**
   * Synchronous without a DTO and when the DTO's synchronous rules accept the arguments; otherwise class-validator's
   * own promise (it makes the error messages, and validators may be asynchronous). Never throws nor rejects: what
   * class-transformer or class-validator throws on the arguments (`{ constructor: 1 }` nested, `{ toString: 1 }`
   * under implicit conversion, a rule failing on a value) is the client's invalid arguments, not a server error.
   */
  validate(raw: unknown): McpArgumentsResult | Promise<McpArgumentsResult> {
    const input = raw ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, errors: ['arguments must be an object'] };
    }
    if (!this.dto) return this.checkBound(input as Record<string, unknown>);
    let instance: object;
    try {
      instance =
        this.toInstance(input as Record<string, unknown>) ??
        plainToInstance(this.dto as new () => object, input, { enableImplicitConversion: this.implicitConversion });
    } catch (error) {
      return this.unreadable('conversion', error);
    }
    let pending: Promise<ValidationError[]>;
    try {
      if (this.shortcut?.passes(instance)) return { ok: true, value: instance };
      // class-validator runs synchronous rules before it returns its promise: they throw here.
      pending = validate(instance, this.options);
    } catch (error) {
      return this.unreadable('validation', error);
    }
    return pending
      .then((errors): McpArgumentsResult => (errors.length ? { ok: false, errors: flatten(errors, '') } : { ok: true, value: instance }))
      .catch((error: unknown) => this.unreadable('validation', error));
  }

  /**
   * The client learns only which step failed; the debug log adds the exception's kind. Neither carries the
   * exception's text or stack, which may quote the arguments.
   */
  private unreadable(phase: 'conversion' | 'validation', error: unknown): McpArgumentsResult {
    logger.debug(`arguments for ${this.dto?.name ?? 'a component'} refused: ${phase} threw ${kindOf(error)}`);
    return { ok: false, errors: [McpMessages.argumentsUnreadable(phase)] };
  }

  /**
   * What `plainToInstance` makes of flat arguments for a DTO without class-transformer decorators, without its
   * per-call metadata lookups: a new instance with each primitive value copied, skipping what it skips
   * (`__proto__`, `constructor`, methods, prototype properties without a setter). Undefined when a value is an
   * object or array: the full transform runs then.
   */
  private toInstance(input: Record<string, unknown>): object | undefined {
    if (!this.plain) return undefined;
    const keys = Object.keys(input);
    for (const key of keys) {
      const value = input[key];
      if (typeof value === 'object' && value !== null) return undefined;
    }
    const instance = new (this.dto as new () => Record<string, unknown>)();
    for (const key of keys) {
      if (key === '__proto__' || key === 'constructor' || this.plain.has(key) || instance[key] instanceof Function) continue;
      instance[key] = input[key];
    }
    return instance;
  }

  /** Without a DTO, each bound argument must be present and of its parameter's primitive type. */
  private checkBound(input: Record<string, unknown>): McpArgumentsResult {
    if (!this.bound.length) return { ok: true, value: input };
    const value = { ...input };
    const errors: string[] = [];
    for (const { name, type, piped } of this.bound) {
      const expected = piped ? undefined : primitiveName(type);
      let actual = value[name];
      if (actual === undefined || actual === null) {
        errors.push(`${name}: ${name} is required`);
        continue;
      }
      if (this.implicitConversion && typeof actual === 'string' && expected && expected !== 'string') {
        actual = expected === 'number' ? (actual.trim() === '' ? NaN : Number(actual)) : actual === 'true' ? true : actual === 'false' ? false : actual;
        value[name] = actual;
      }
      if (expected && (typeof actual !== expected || (expected === 'number' && !Number.isFinite(actual)))) {
        errors.push(`${name}: ${name} must be a ${expected}`);
      }
    }
    return errors.length ? { ok: false, errors } : { ok: true, value };
  }
}

function primitiveName(type: Function | undefined): 'string' | 'number' | 'boolean' | undefined {
  if (type === String) return 'string';
  if (type === Number) return 'number';
  if (type === Boolean) return 'boolean';
  return undefined;
}

/** `TypeError`, `URIError`, ...: a name from code, never from the arguments (a thrown non-Error gets its typeof). */
function kindOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  try {
    const name: unknown = error.constructor?.name;
    return typeof name === 'string' && /^[\w$]{1,64}$/.test(name) ? name : 'Error';
  } catch {
    return 'Error';
  }
}

function flatten(errors: ValidationError[], parent: string): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out.push(`${path}: ${Object.values(error.constraints).join(', ')}`);
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}
