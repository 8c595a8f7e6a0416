import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { Expose, plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsNumber, IsOptional, IsString, Validate, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { McpArgumentsValidator } from '../../src/execution/mcp-arguments.validator.js';
import { McpMessages } from '../../src/mcp-auth.messages.js';

/**
 * Arguments of DTOs without class-transformer decorators are copied onto a new instance directly rather than through
 * `plainToInstance`. These tests hold that copy to exactly what `plainToInstance` makes of the same input, including
 * the keys it refuses to assign, and check that every other case still goes through class-transformer.
 */

class Base {
  @IsOptional()
  @IsString()
  inherited?: string;

  baseMethod(): string {
    return 'base';
  }
}

class PlainDto extends Base {
  @IsNumber()
  a!: number;

  @IsOptional()
  @IsString()
  label?: string;

  @IsOptional()
  @IsBoolean()
  flag?: boolean;

  defaulted = 'default';

  get computed(): string {
    return 'computed';
  }

  get settable(): string | undefined {
    return this.stored;
  }
  set settable(value: string | undefined) {
    this.stored = value;
  }
  private stored?: string;

  method(): string {
    return 'method';
  }
}

class Child {
  @IsString()
  name!: string;
}

class NestedDto {
  @ValidateNested()
  @Type(() => Child)
  child!: Child;
}

class ExposedDto {
  @Expose({ name: 'wire_name' })
  @IsOptional()
  @IsString()
  wireName?: string;
}

class TransformedDto {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  text!: string;
}

const lenient = { forbidUnknownValues: false } as const;

/** Whether the validator copies directly (so the comparisons below exercise the direct copy, not class-transformer). */
const copiesDirectly = (validator: McpArgumentsValidator) => (validator as unknown as { plain?: Set<string> }).plain instanceof Set;

async function valueOf(validator: McpArgumentsValidator, input: unknown): Promise<unknown> {
  const result = await validator.validate(input);
  assert.ok(result.ok, `expected valid arguments, got ${JSON.stringify(result)}`);
  return result.value;
}

describe('McpArgumentsValidator: the direct copy for DTOs without class-transformer decorators', () => {
  const validator = new McpArgumentsValidator(PlainDto, lenient, false);

  it('is used for a DTO whose only decorators are class-validator ones', () => {
    assert.ok(copiesDirectly(validator));
  });

  const inputs: Array<[string, string]> = [
    ['declared properties', '{"a":1,"label":"x","flag":true}'],
    ['an inherited property', '{"a":2,"inherited":"from base"}'],
    ['unknown extra properties', '{"a":3,"extra":"kept","other":null}'],
    ['a property initializer overridden', '{"a":4,"defaulted":"given"}'],
    ['__proto__ from JSON', '{"a":5,"__proto__":{"polluted":true}}'],
    ['__proto__ set to null', '{"a":5,"__proto__":null}'],
    ['__proto__ set to a string', '{"a":5,"__proto__":"x"}'],
    ['constructor', '{"a":6,"constructor":"nope"}'],
    ['a getter without setter', '{"a":7,"computed":"overwrite"}'],
    ['an accessor with a setter', '{"a":8,"settable":"through setter"}'],
    ['own and inherited methods', '{"a":9,"method":"x","baseMethod":"y","toString":"z","hasOwnProperty":"w"}'],
    ['null values', '{"a":10,"label":null}'],
    ['no properties', '{}'],
  ];

  for (const [name, json] of inputs) {
    it(`makes what plainToInstance makes: ${name}`, async () => {
      const expected = plainToInstance(PlainDto, JSON.parse(json));
      const actual = await valueOf(new McpArgumentsValidator(PlainDto, { ...lenient, skipMissingProperties: true }, false), JSON.parse(json));
      assert.ok(actual instanceof PlainDto);
      assert.deepStrictEqual(actual, expected);
      assert.deepStrictEqual(Object.keys(actual as object), Object.keys(expected));
    });
  }

  it('never lets __proto__ in the arguments change the prototype or pollute Object.prototype', async () => {
    const value = await valueOf(validator, JSON.parse('{"a":1,"__proto__":{"isAdmin":true}}'));
    assert.equal(Object.getPrototypeOf(value), PlainDto.prototype);
    assert.equal((value as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('still validates: a wrong type is refused with the property named', async () => {
    const result = await validator.validate({ a: 'one' });
    assert.equal(result.ok, false);
    assert.match((result as { errors: string[] }).errors.join('\n'), /^a: /m);
  });

  it('leaves objects and arrays to class-transformer (deep copies, nested types)', async () => {
    const input = { a: 1, extra: { deep: [1, { x: 2 }] } };
    const value = (await valueOf(validator, input)) as { extra: unknown };
    assert.deepStrictEqual(value, plainToInstance(PlainDto, input));
    assert.notEqual(value.extra, input.extra, 'class-transformer copies nested values');
  });
});

describe('McpArgumentsValidator: DTOs with class-transformer decorators keep the full transform', () => {
  it('is not used for them, nor with implicit conversion', () => {
    for (const dto of [NestedDto, ExposedDto, TransformedDto]) assert.equal(copiesDirectly(new McpArgumentsValidator(dto, lenient, false)), false, dto.name);
    assert.equal(copiesDirectly(new McpArgumentsValidator(PlainDto, lenient, true)), false);
  });

  it('@Type: nested DTOs become instances and are validated', async () => {
    const validator = new McpArgumentsValidator(NestedDto, lenient, false);
    const value = (await valueOf(validator, { child: { name: 'n' } })) as NestedDto;
    assert.ok(value.child instanceof Child);
    const bad = await validator.validate({ child: { name: 1 } });
    assert.equal(bad.ok, false);
  });

  it('@Expose({ name }): the wire name maps onto the property', async () => {
    const value = (await valueOf(new McpArgumentsValidator(ExposedDto, lenient, false), { wire_name: 'w' })) as ExposedDto;
    assert.equal(value.wireName, 'w');
  });

  it('@Transform: the transform runs', async () => {
    const value = (await valueOf(new McpArgumentsValidator(TransformedDto, lenient, false), { text: '  padded  ' })) as TransformedDto;
    assert.equal(value.text, 'padded');
  });

  it('implicit conversion (URI template variables, prompt arguments) converts strings to the property types', async () => {
    const value = (await valueOf(new McpArgumentsValidator(PlainDto, lenient, true), { a: '42' })) as PlainDto;
    assert.equal(value.a, 42);
  });
});

/**
 * Rules that decode the value, as hand-written rules do: malformed percent-encoding makes them throw (or reject).
 * (class-transformer drops keys such as `toString` from nested objects, so rules never see `{ toString: 1 }`.)
 */
@ValidatorConstraint({ name: 'decodable' })
class Decodable implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return decodeURIComponent(String(value)).length > 0;
  }
}
@ValidatorConstraint({ name: 'decodableLater', async: true })
class DecodableLater implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    return decodeURIComponent(String(value)).length > 0;
  }
}
class DecodingDto {
  @IsOptional()
  @Validate(Decodable)
  text?: string;

  @IsOptional()
  @Validate(DecodableLater)
  later?: string;
}

/** Keeps every log call, by level. */
class CapturingLogger implements LoggerService {
  readonly calls: Array<{ level: string; args: unknown[] }> = [];
  log(...args: unknown[]) {
    this.calls.push({ level: 'log', args });
  }
  error(...args: unknown[]) {
    this.calls.push({ level: 'error', args });
  }
  warn(...args: unknown[]) {
    this.calls.push({ level: 'warn', args });
  }
  debug(...args: unknown[]) {
    this.calls.push({ level: 'debug', args });
  }
  verbose(...args: unknown[]) {
    this.calls.push({ level: 'verbose', args });
  }
}

const strict = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;
/** Appears in every hostile input: it must reach neither the client's message nor the log. */
const MARK = 'marker-7f3a';

describe('McpArgumentsValidator: hostile argument objects stay a client error', () => {
  const cases: Array<[string, Function, boolean, () => unknown, 'conversion' | 'validation']> = [
    ['flat DTO, an unknown key holding { constructor }', PlainDto, false, () => ({ a: 1, [MARK]: { constructor: MARK } }), 'conversion'],
    ['flat DTO, a declared key holding { constructor }', PlainDto, false, () => ({ a: { constructor: 1, note: MARK } }), 'conversion'],
    ['nested DTO, { constructor } inside the nested object', NestedDto, false, () => ({ child: { name: 'n', extra: { constructor: {}, note: MARK } } }), 'conversion'],
    ['nested DTO, { constructor } in an array', NestedDto, false, () => ({ child: { name: 'n' }, list: [{ constructor: MARK }] }), 'conversion'],
    ['implicit conversion, flat DTO, a number from { toString: 1 }', PlainDto, true, () => ({ a: { toString: 1, note: MARK } }), 'conversion'],
    ['implicit conversion, flat DTO, a string from { toString: 1 }', PlainDto, true, () => ({ a: 1, label: { toString: 1, note: MARK } }), 'conversion'],
    ['implicit conversion, flat DTO, a number from { valueOf: {}, toString: {} }', PlainDto, true, () => ({ a: { valueOf: {}, toString: {}, note: MARK } }), 'conversion'],
    ['implicit conversion, nested DTO, { toString: 1 } inside the nested object', NestedDto, true, () => ({ child: { name: { toString: 1, note: MARK } } }), 'conversion'],
    ['implicit conversion, nested DTO, { constructor } inside the nested object', NestedDto, true, () => ({ child: { name: 'n', extra: { constructor: 1, note: MARK } } }), 'conversion'],
    ['a rule that throws on what it is given', DecodingDto, false, () => ({ text: `${MARK}%E0%A4%A` }), 'validation'],
    ['an asynchronous rule that rejects on what it is given', DecodingDto, false, () => ({ later: `${MARK}%E0%A4%A` }), 'validation'],
    ['implicit conversion, a rule that throws on what it is given', DecodingDto, true, () => ({ text: `${MARK}%E0%A4%A` }), 'validation'],
  ];

  for (const options of [strict, lenient]) {
    for (const [name, dto, implicit, input, phase] of cases) {
      it(`${name} (${options === strict ? 'whitelist' : 'no whitelist'})`, async () => {
        const logger = new CapturingLogger();
        Logger.overrideLogger(logger);
        try {
          const validator = new McpArgumentsValidator(dto, options, implicit);
          let pending: ReturnType<McpArgumentsValidator['validate']>;
          assert.doesNotThrow(() => (pending = validator.validate(input())));
          const result = await pending!;
          assert.deepEqual(result, { ok: false, errors: [McpMessages.argumentsUnreadable(phase)] });
          assert.doesNotMatch(McpMessages.argumentsUnreadable(phase), /marker|\n|\bat /);

          assert.equal(logger.calls.length, 1, JSON.stringify(logger.calls));
          const [{ level, args }] = logger.calls;
          assert.equal(level, 'debug');
          assert.equal(args.at(-1), 'McpAuthModule');
          const text = args.map(String).join(' ');
          assert.ok(!text.includes(MARK), `the log holds an argument value: ${text}`);
          assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
        } finally {
          Logger.overrideLogger(new ConsoleLogger());
        }
      });
    }
  }

  it('a plain object that only looks hostile still validates normally', async () => {
    // `valueOf` alone is not called when `toString` is left: conversion yields NaN, refused as a number.
    const result = await new McpArgumentsValidator(PlainDto, lenient, true).validate({ a: { valueOf: {} } });
    assert.equal(result.ok, false);
    assert.match((result as { errors: string[] }).errors.join('\n'), /^a: /m);
    const nested = await new McpArgumentsValidator(NestedDto, lenient, false).validate({ child: { constructor: 1, name: 'n' } });
    assert.deepEqual(nested, { ok: true, value: plainToInstance(NestedDto, { child: { name: 'n' } }) });
  });
});
