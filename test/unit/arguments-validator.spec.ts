import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Expose, plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { McpArgumentsValidator } from '../../src/execution/mcp-arguments.validator.js';

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
