import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, registerDecorator, validate, ValidateIf, ValidateNested, type ValidatorOptions } from 'class-validator';
import { McpArgumentsValidator } from '../../src/execution/mcp-arguments.validator.js';
import { ValidationShortcut } from '../../src/execution/validation-shortcut.js';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { DEFINED_POOLS, DefinedDto, OPTION_SETS, RICH_POOLS, RichDto, type Pools } from './validation-shortcut.fixtures.js';

/**
 * The shortcut answers "class-validator would find nothing wrong" without running `validate()`. These tests hold it
 * to class-validator itself: over thousands of generated inputs, for many DTOs and option sets, it must say "passes"
 * exactly when `validate()` resolves to no errors, and leave the instance exactly as `validate()` would (whitelist
 * stripping). Anything it cannot describe must get no shortcut at all.
 */

class Child {
  @IsString()
  name!: string;
}
class NestedDto {
  @ValidateNested()
  @Type(() => Child)
  child!: Child;
}

function IsSlowlyTrue() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'slowlyTrue',
      async: true,
      target: target.constructor,
      propertyName,
      validator: { validate: async (value: unknown) => value === true },
    });
}
class AsyncDto {
  @IsSlowlyTrue()
  flag!: boolean;
}

class NoRulesDto {
  value?: string;
}

/** A small seeded generator, so that a failure names a reproducible input. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'abc',
  'abcdefg',
  'ABC',
  'a',
  'b',
  'red',
  'blue',
  'green',
  'x@example.com',
  0,
  1,
  2,
  3,
  -4,
  10,
  11,
  2.5,
  NaN,
  Infinity,
  true,
  false,
  [],
  ['a'],
  ['a', 'b', 'c'],
  [1],
  {},
];

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)]!;

function generate(next: () => number, pools: Pools, extra: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, likely] of Object.entries(pools)) {
    const roll = next();
    if (roll < 0.55) input[key] = pick(next, likely);
    else if (roll < 0.7) input[key] = pick(next, VALUES);
  }
  for (const key of extra) if (next() < 0.05) input[key] = pick(next, VALUES);
  return input;
}

async function agreeOn<T extends object>(dto: new () => T, pools: Pools, options: ValidatorOptions, seed: number, runs: number) {
  const shortcut = ValidationShortcut.compile(dto, options);
  assert.ok(shortcut, `${dto.name} should get a shortcut`);
  const next = random(seed);
  let passed = 0;
  for (let i = 0; i < runs; i++) {
    const input = generate(next, pools, ['extra', 'other']);
    const fast = plainToInstance(dto, input) as object;
    const slow = plainToInstance(dto, input) as object;
    const verdict: boolean = shortcut.passes(fast);
    const errors = await validate(slow, options);
    const where = `${dto.name} ${JSON.stringify(options)} input ${JSON.stringify(input)} (seed ${seed}, run ${i})`;
    assert.equal(verdict, errors.length === 0, `${where}: shortcut ${verdict}, class-validator ${errors.length} error(s)`);
    if (verdict) {
      passed++;
      assert.deepEqual({ ...fast }, { ...slow }, `${where}: the instance differs after validation`);
    }
  }
  return passed;
}

describe('ValidationShortcut', () => {
  for (const [label, options] of OPTION_SETS) {
    it(`agrees with class-validator on generated inputs (${label})`, async () => {
      const passed = await agreeOn(RichDto, RICH_POOLS, options, 7, 3000);
      // The generated inputs must exercise the success path, not only refusals.
      assert.ok(passed > 20, `only ${passed} generated inputs were valid`);
      const definedPassed = await agreeOn(DefinedDto, DEFINED_POOLS, options, 11, 600);
      assert.ok(definedPassed > 20, `only ${definedPassed} generated inputs were valid`);
    });
  }

  it('agrees on hand-picked valid and invalid inputs', async () => {
    const options = OPTION_SETS[0][1];
    const cases: Array<Record<string, unknown>> = [
      { count: 1, name: 'abc' },
      { count: 1, name: 'abc', note: 'abc' },
      { count: 1, name: 'abc', note: 'abc', free: { anything: true } },
      { count: 1, name: 'abc', color: 'red', confirmed: true },
      { count: 1, name: 'abc', color: 'red' },
      { count: 1, name: 'abc', color: 'blue' },
      { count: 1, name: 'abc', choice: 'a', weight: 2 },
      { count: 1, name: 'abc', choice: 'a' },
      { count: 1, name: 'abc', choice: 'b' },
      { count: 1, name: 'abc', note: 'abc', extra: 1 },
      { count: 0, name: 'abc' },
      { count: 1, name: 'ab c' },
      { count: 1, name: 'abc', even: 3 },
      { count: 1, name: 'abc', even: 4 },
      { count: 1, name: 'abc', email: 'not-an-email' },
    ];
    const shortcut = ValidationShortcut.compile(RichDto, options)!;
    for (const input of cases) {
      const errors = await validate(plainToInstance(RichDto, input), options);
      assert.equal(shortcut.passes(plainToInstance(RichDto, input)), errors.length === 0, JSON.stringify(input));
    }
  });

  it('leaves each-rules over a collection to class-validator', async () => {
    const shortcut = ValidationShortcut.compile(RichDto, OPTION_SETS[0][1])!;
    // `weight` is given: class-validator 0.14 (in the supported range) has no per-rule validateIf.
    const valid = plainToInstance(RichDto, { count: 1, name: 'abc', weight: 1, tags: ['a'] });
    assert.equal((await validate(valid, OPTION_SETS[0][1])).length, 0);
    assert.equal(shortcut.passes(valid), false);
  });

  it('refuses a key that only class-validator\'s whitelist lets through (the caller then asks class-validator)', () => {
    const shortcut = ValidationShortcut.compile(RichDto, OPTION_SETS[0][1])!;
    const instance = plainToInstance(RichDto, { count: 1, name: 'abc' });
    Reflect.set(instance, 'hasOwnProperty', 1);
    assert.equal(shortcut.passes(instance), false);
  });

  it('gives no shortcut for DTOs it cannot describe', () => {
    assert.equal(ValidationShortcut.compile(NestedDto, OPTION_SETS[0][1]), undefined);
    assert.equal(ValidationShortcut.compile(AsyncDto, OPTION_SETS[0][1]), undefined);
    assert.equal(ValidationShortcut.compile(NoRulesDto, OPTION_SETS[0][1]), undefined);
  });

  it('answers "not certain" for an instance of another class', () => {
    const shortcut = ValidationShortcut.compile(DefinedDto, OPTION_SETS[0][1])!;
    assert.equal(shortcut.passes(Object.assign(Object.create(null), { must: 1, plain: 'x', anything: 1 })), false);
    assert.equal(shortcut.passes(plainToInstance(DefinedDto, { must: 1, plain: 'x', anything: 1 })), true);
  });
});

describe('McpArgumentsValidator with the shortcut', () => {
  const options = OPTION_SETS[0][1];

  it('answers valid arguments synchronously and still reports invalid ones in class-validator\'s words', async () => {
    const validator = new McpArgumentsValidator(RichDto, options, false);
    const ok = validator.validate({ count: 2, name: 'abc', weight: 1 });
    assert.ok(!(ok instanceof Promise));
    assert.deepEqual(ok, { ok: true, value: plainToInstance(RichDto, { count: 2, name: 'abc', weight: 1 }) });
    const refused = await validator.validate({ count: 2, name: 'abc', weight: 1, even: 3, extra: true });
    assert.equal(refused.ok, false);
    assert.deepEqual((refused as { errors: string[] }).errors.sort(), ['even: even must be even', 'extra: property extra should not exist']);
  });

  it('a rule that throws is left to class-validator, whose throw becomes invalid arguments', async () => {
    class Throwing {
      @ValidateIf(() => {
        throw new Error('boom');
      })
      @IsString()
      value!: string;
    }
    // class-validator itself throws (synchronously, before its promise exists).
    assert.throws(() => validate(plainToInstance(Throwing, { value: 'x' }), options), /boom/);
    const validator = new McpArgumentsValidator(Throwing, options, false);
    assert.deepEqual(await validator.validate({ value: 'x' }), { ok: false, errors: [McpMessages.argumentsUnreadable('validation')] });
  });

  it('an undeclared asynchronous constraint is settled by class-validator, then left to it', async () => {
    let calls = 0;
    function Eventually(expected: string) {
      return (target: object, propertyName: string) =>
        registerDecorator({
          name: 'eventually',
          target: target.constructor,
          propertyName,
          validator: {
            validate: (value: unknown) => {
              calls++;
              return Promise.resolve(value === expected);
            },
          },
        });
    }
    class Sneaky {
      @Eventually('yes')
      answer!: string;
    }
    const validator = new McpArgumentsValidator(Sneaky, options, false);
    const refused = await validator.validate({ answer: 'no' });
    assert.equal(refused.ok, false);
    assert.equal(calls, 2, 'once by the shortcut, once by class-validator');
    const accepted = await validator.validate({ answer: 'yes' });
    assert.equal(accepted.ok, true);
    assert.equal(calls, 3, 'class-validator alone from then on');
  });
});
