import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';

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
  ) {}

  async validate(raw: unknown): Promise<McpArgumentsResult> {
    const input = raw ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, errors: ['arguments must be an object'] };
    }
    if (!this.dto) return { ok: true, value: input };
    const instance = plainToInstance(this.dto as new () => object, input, {
      enableImplicitConversion: this.implicitConversion,
    });
    const errors = await validate(instance, this.options);
    return errors.length ? { ok: false, errors: flatten(errors, '') } : { ok: true, value: instance };
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
