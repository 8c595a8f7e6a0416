import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';

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
  constructor(
    private readonly dto: Function | undefined,
    private readonly options: ValidatorOptions,
    /** URI template variables and prompt arguments are strings: convert them to the DTO's property types. */
    private readonly implicitConversion: boolean,
    private readonly bound: readonly McpBoundArgument[] = [],
  ) {}

  async validate(raw: unknown): Promise<McpArgumentsResult> {
    const input = raw ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, errors: ['arguments must be an object'] };
    }
    if (!this.dto) return this.checkBound(input as Record<string, unknown>);
    const instance = plainToInstance(this.dto as new () => object, input, {
      enableImplicitConversion: this.implicitConversion,
    });
    const errors = await validate(instance, this.options);
    return errors.length ? { ok: false, errors: flatten(errors, '') } : { ok: true, value: instance };
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

function flatten(errors: ValidationError[], parent: string): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out.push(`${path}: ${Object.values(error.constraints).join(', ')}`);
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}
