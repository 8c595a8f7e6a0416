import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainToInstance } from 'class-transformer';
import {
  Allow,
  getMetadataStorage,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Min,
  validate,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidationError,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { McpArgumentsValidator } from '../../src/execution/mcp-arguments.validator.js';
import { ValidationShortcut } from '../../src/execution/validation-shortcut.js';

/**
 * The shortcut reproduces class-validator's verdict from its metadata records. A field it does not know (an option a
 * newer class-validator honours) could change that verdict, so a record carrying one must cost the DTO its shortcut.
 * Each test declares its own DTO: the records edited here are class-validator's real, global ones.
 */

const options = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

@ValidatorConstraint({ name: 'positive' })
class Positive implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'number' && value > 0;
  }
}

/** A DTO using every record field both supported class-validator releases know. */
function everyFieldDto() {
  class Dto {
    @IsOptional({ message: 'm', context: { c: 1 } })
    @IsString({ message: 'a string, please', groups: ['g'], always: true, context: { severity: 'low' } })
    name?: string;

    @IsInt({ each: true })
    @Min(1, { validateIf: (o: Dto) => o.name !== 'any' })
    count!: number;

    @ValidateIf((o: Dto) => o.name === 'needs')
    @IsDefined()
    @Validate(Positive)
    amount?: number;

    @Allow()
    free?: unknown;
  }
  return Dto;
}

const recordsOf = (dto: Function) => getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false) as unknown as object[];
const constraintsOf = (cls: Function) => getMetadataStorage().getTargetValidatorConstraints(cls) as unknown as object[];

/** One line per property, its messages joined, as the validator reports them (these DTOs are flat). */
function flatten(errors: ValidationError[]): string[] {
  return errors.filter((e) => e.constraints).map((e) => `${e.property}: ${Object.values(e.constraints!).join(', ')}`);
}

/** McpArgumentsValidator gives class-validator's own answer, and gets it from class-validator (a promise). */
async function answersAsClassValidator(dto: new () => object, input: Record<string, unknown>) {
  const answer = new McpArgumentsValidator(dto, options, false).validate(structuredClone(input));
  assert.ok(answer instanceof Promise, `${JSON.stringify(input)}: answered without class-validator`);
  const instance = plainToInstance(dto, structuredClone(input));
  const errors = await validate(instance, options);
  assert.deepEqual(await answer, errors.length ? { ok: false, errors: flatten(errors) } : { ok: true, value: instance });
}

describe('ValidationShortcut: metadata records it does not fully understand', () => {
  it('knows every field of the installed class-validator\'s records', () => {
    const Dto = everyFieldDto();
    assert.ok(ValidationShortcut.compile(Dto, options), 'a DTO using every known option keeps its shortcut');
    assert.ok(ValidationShortcut.compile(Dto, { ...options, groups: ['g'] }));
  });

  it('gives no shortcut when a validation record carries an unknown field, and class-validator decides', async () => {
    const Dto = everyFieldDto();
    const target = recordsOf(Dto).find((r) => (r as { propertyName: string }).propertyName === 'count')!;
    // What a future option might look like: here class-validator ignores it, but the shortcut cannot know that.
    Object.assign(target, { skipWhen: () => true });
    assert.equal(ValidationShortcut.compile(Dto, options), undefined);
    await answersAsClassValidator(Dto, { count: 2 });
    await answersAsClassValidator(Dto, { count: 0 });
    await answersAsClassValidator(Dto, { count: 2, name: 'needs' });
    await answersAsClassValidator(Dto, { count: 2, name: 'needs', amount: 1 });
  });

  it('accepts an unknown field whose value is undefined', () => {
    const Dto = everyFieldDto();
    for (const record of recordsOf(Dto)) Object.assign(record, { skipWhen: undefined });
    assert.ok(ValidationShortcut.compile(Dto, options));
  });

  it('gives no shortcut for an unknown field on a conditional or whitelist record either', () => {
    for (const type of ['conditionalValidation', 'whitelistValidation']) {
      const Dto = everyFieldDto();
      const target = recordsOf(Dto).find((r) => (r as { type: string }).type === type)!;
      Object.assign(target, { [Symbol('future')]: true });
      assert.equal(ValidationShortcut.compile(Dto, options), undefined, type);
    }
  });

  it('gives no shortcut for a record whose field is an accessor, or whose prototype gained a field', () => {
    const Dto = everyFieldDto();
    const [first] = recordsOf(Dto);
    Object.defineProperty(first, 'later', { get: () => undefined, enumerable: false, configurable: true });
    assert.equal(ValidationShortcut.compile(Dto, options), undefined);

    const Other = everyFieldDto();
    const [record] = recordsOf(Other);
    const prototype = Object.create(Object.getPrototypeOf(record), { later: { get: () => true } });
    Object.setPrototypeOf(record, prototype);
    assert.equal(ValidationShortcut.compile(Other, options), undefined);
  });

  it('gives no shortcut when a constraint record carries an unknown field', async () => {
    @ValidatorConstraint({ name: 'odd' })
    class Odd implements ValidatorConstraintInterface {
      validate(value: unknown): boolean {
        return typeof value === 'number' && value % 2 === 1;
      }
    }
    class Dto {
      @Validate(Odd)
      value!: number;
    }
    assert.ok(ValidationShortcut.compile(Dto, options));
    const [constraint] = constraintsOf(Odd);
    Object.assign(constraint, { priority: 1 });
    assert.equal(ValidationShortcut.compile(Dto, options), undefined);
    await answersAsClassValidator(Dto, { value: 3 });
    await answersAsClassValidator(Dto, { value: 2 });
  });
});
