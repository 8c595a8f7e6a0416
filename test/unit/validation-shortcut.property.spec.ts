import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, ValidationTypes, type ValidationError, type ValidatorOptions } from 'class-validator';
import fc from 'fast-check';
import { McpArgumentsValidator, type McpArgumentsResult } from '../../src/execution/mcp-arguments.validator.js';
import { ValidationShortcut } from '../../src/execution/validation-shortcut.js';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { GROUP_OPTION_SETS, GROUPED_POOLS, GroupedDto, KINDS_POOLS, KindsDto } from './validation-shortcut-kinds.fixtures.js';
import { DEFINED_POOLS, DefinedDto, OPTION_SETS, RICH_POOLS, RichDto, type Pools } from './validation-shortcut.fixtures.js';

/**
 * Differential property test: on inputs fast-check generates, the shortcut and the whole validator must answer
 * exactly as class-transformer + class-validator do (verdict, messages, and the instance after whitelisting), for
 * every kind of rule the shortcut handles. class-validator-range.spec runs this file against class-validator 0.14 too.
 */

const RUNS = 150;

interface Scenario {
  readonly dto: new () => object;
  readonly pools: Pools;
  readonly required: readonly string[];
  /** Properties with `each` rules: over an array the shortcut is not certain and defers to class-validator. */
  readonly each: readonly string[];
  readonly sets: ReadonlyArray<[string, ValidatorOptions]>;
}

const MORE_SETS: Array<[string, ValidatorOptions]> = [
  ['stopAtFirstError', { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }],
  ['dismissDefaultMessages', { whitelist: true, dismissDefaultMessages: true }],
];
const SCENARIOS: Scenario[] = [
  // `weight` and `ref` carry per-rule conditions: always given (0.14 has no such conditions, so always checks them),
  // sometimes with a value only the condition lets through.
  {
    dto: RichDto,
    pools: { ...RICH_POOLS, weight: [2, 2.5, 1, 'heavy'], tags: [['a'], ['a', 'b'], 'a'] },
    required: ['count', 'name', 'weight'],
    each: ['tags'],
    sets: [...OPTION_SETS, ...MORE_SETS],
  },
  { dto: DefinedDto, pools: DEFINED_POOLS, required: [], each: [], sets: [...OPTION_SETS, ...MORE_SETS] },
  { dto: KindsDto, pools: { ...KINDS_POOLS, ref: [1, 'x', false, null] }, required: ['mode', 'ref'], each: ['labels'], sets: [...OPTION_SETS, ...MORE_SETS] },
  { dto: GroupedDto, pools: GROUPED_POOLS, required: ['size'], each: [], sets: GROUP_OPTION_SETS },
];

const scalar = fc.oneof(
  fc.constantFrom(undefined, null, '', 'a', 'ABC', '0', '2', '2.5', '-3', 'true', 'false', '%E0%A4%A', 0, 1, 2, -1, 2.5, NaN, Infinity, -0, true, false),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -12, max: 12 }),
  fc.double(),
);
/** Objects class-transformer (implicit conversion, nested copies) used to throw on. */
const hostile = fc
  .constantFrom(
    () => ({ constructor: 1 }),
    () => ({ constructor: 'x', a: 1 }),
    () => ({ toString: 1 }),
    () => ({ valueOf: {} }),
    () => ({ valueOf: {}, toString: {} }),
  )
  .map((make) => make());
const anything: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2, noNullPrototype: true }) },
  { weight: 1, arbitrary: hostile },
);
/** Now and then a key no rule declares, among them those class-transformer skips. */
const extras = fc.option(
  fc.dictionary(fc.constantFrom('extra', 'other', 'constructor', 'toString', '__proto__'), anything, { maxKeys: 1, noNullPrototype: true }),
  { freq: 6, nil: {} },
);

const ABSENT = Symbol('absent');

/**
 * Each declared key: often absent, else a likely value or (wild inputs only) anything; wild inputs may also carry an
 * undeclared key. Tame inputs are there so that the success path is well exercised, not only refusals.
 */
function inputs({ pools, required }: Scenario): fc.Arbitrary<Record<string, unknown>> {
  const shaped = (wild: boolean) => {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, likely] of Object.entries(pools)) {
      const value = wild ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...likely) }, { weight: 1, arbitrary: anything }) : fc.constantFrom(...likely);
      model[key] = required.includes(key) ? value : fc.oneof(fc.constant(ABSENT), value);
    }
    // Spreads define keys as JSON.parse does: an own `__proto__` stays a property rather than setting the prototype.
    return fc
      .tuple(fc.record(model, { noNullPrototype: true }), wild ? extras : fc.constant({}))
      .map(([declared, extra]) => ({ ...Object.fromEntries(Object.entries(declared).filter(([, value]) => value !== ABSENT)), ...extra }));
  };
  return fc.oneof(shaped(false), shaped(true));
}

function messages(errors: ValidationError[], parent: string): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [`${path}: ${Object.values(e.constraints).join(', ')}`] : [];
    return [...own, ...messages(e.children ?? [], path)];
  });
}

/** What the validator must answer: class-transformer then class-validator, with no shortcut anywhere. */
async function reference(dto: new () => object, options: ValidatorOptions, implicit: boolean, input: object): Promise<McpArgumentsResult> {
  let instance: object;
  try {
    instance = plainToInstance(dto, input, { enableImplicitConversion: implicit });
  } catch {
    return { ok: false, errors: [McpMessages.argumentsUnreadable('conversion')] };
  }
  try {
    const errors = await validate(instance, options);
    return errors.length ? { ok: false, errors: messages(errors, '') } : { ok: true, value: instance };
  } catch {
    return { ok: false, errors: [McpMessages.argumentsUnreadable('validation')] };
  }
}

/** class-validator's errors, or 'throws'. */
async function settle(instance: object, options: ValidatorOptions): Promise<ValidationError[] | 'throws'> {
  try {
    return await validate(instance, options);
  } catch {
    return 'throws';
  }
}

describe('ValidationShortcut: differential property test against class-validator', () => {
  // Refused hostile inputs are logged at debug level: not wanted in the test output.
  before(() => Logger.overrideLogger(false));
  after(() => Logger.overrideLogger(new ConsoleLogger()));

  for (const scenario of SCENARIOS) {
    for (const [label, options] of scenario.sets) {
      it(`${scenario.dto.name}, ${label}`, async () => {
        const shortcut = ValidationShortcut.compile(scenario.dto, options);
        assert.ok(shortcut, `${scenario.dto.name} should get a shortcut`);
        const validators = [false, true].map((implicit) => [implicit, new McpArgumentsValidator(scenario.dto, options, implicit)] as const);
        let passed = 0;
        await fc.assert(
          fc.asyncProperty(inputs(scenario), async (input) => {
            // The verdict alone, on two instances class-transformer makes of the same input.
            let fast: object | undefined;
            let slow: object | undefined;
            try {
              fast = plainToInstance(scenario.dto, input);
              slow = plainToInstance(scenario.dto, input);
            } catch {
              // Conversion itself fails: the validator's answer is checked below.
            }
            if (fast && slow) {
              const passes = shortcut.passes(fast);
              const outcome = await settle(slow, options);
              if (passes) {
                passed++;
                assert.deepEqual(outcome, [], 'the shortcut accepted what class-validator refuses');
                assert.deepStrictEqual(fast, slow, 'the instance differs after validation');
              } else if (Array.isArray(outcome) && outcome.length === 0) {
                const each = scenario.each.some((key) => Array.isArray((slow as Record<string, unknown>)[key]));
                assert.ok(each, 'the shortcut refused what class-validator accepts');
              }
            }
            // The whole validator, with and without implicit conversion.
            for (const [implicit, validator] of validators) {
              const actual = await validator.validate(input);
              assert.deepStrictEqual(actual, await reference(scenario.dto, options, implicit, input), `implicit conversion ${implicit}`);
            }
          }),
          { numRuns: RUNS },
        );
        // The success path must be exercised, not only refusals (about 20 of 150 pass at worst; 3 leaves no flakiness).
        assert.ok(passed >= 3, `only ${passed} of ${RUNS} generated inputs passed the shortcut`);
      });
    }
  }

  it('covers every rule type the shortcut handles and every per-rule field the installed class-validator records', () => {
    const storage = getMetadataStorage();
    const records = SCENARIOS.flatMap((s) => storage.getTargetValidationMetadatas(s.dto, '', true, false)) as unknown as Array<Record<string, unknown>>;
    const types = new Set(records.map((r) => r.type));
    for (const type of [ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.IS_DEFINED, ValidationTypes.CONDITIONAL_VALIDATION, ValidationTypes.WHITELIST]) {
      assert.ok(types.has(type), `no generated DTO has a ${type} rule`);
    }
    const fields = ['each', 'validateIf', 'groups', 'always', 'message', 'context'].filter((field) => records.some((r) => field in r));
    assert.ok(fields.includes('each') && fields.includes('groups'), `records carry ${fields.join(', ')}`);
    for (const field of fields) {
      const used = records.some((r) => (Array.isArray(r[field]) ? (r[field] as unknown[]).length > 0 : r[field] !== undefined && r[field] !== false));
      assert.ok(used, `no generated DTO sets ${field}`);
    }
  });
});
