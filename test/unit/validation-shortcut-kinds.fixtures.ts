import 'reflect-metadata';
import {
  Allow,
  ArrayContains,
  ArrayMinSize,
  ArrayUnique,
  Contains,
  Equals,
  IsAlpha,
  IsArray,
  IsBooleanString,
  IsDefined,
  IsDivisibleBy,
  IsEmpty,
  IsIn,
  IsInt,
  IsISO8601,
  IsLowercase,
  IsNegative,
  IsNotEmptyObject,
  IsNotIn,
  IsNumberString,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
  NotContains,
  NotEquals,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  type ValidatorOptions,
} from 'class-validator';
import type { Pools } from './validation-shortcut.fixtures.js';

/** DTOs for the fast-check differential (validation-shortcut.property.spec) beyond the seeded spec's own. */

/** Throws on malformed percent-encoding: the shortcut then answers "not certain" and class-validator throws. */
@ValidatorConstraint({ name: 'decodable' })
export class Decodable implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || decodeURIComponent(value) !== '';
  }
}

/** The decorator kinds and per-rule options RichDto and DefinedDto leave out. */
export class KindsDto {
  // Two conditions on one property; rules carrying a message and a context.
  @IsOptional()
  @ValidateIf((o: KindsDto) => o.mode !== 'off')
  @IsPositive({ message: '$property must be positive', context: { code: 1 } })
  @IsDivisibleBy(0.5)
  amount?: number;

  @IsIn(['on', 'off', 'strict'])
  mode!: string;

  // A per-rule condition on IsDefined (class-validator 0.15; 0.14 has no per-rule validateIf and always applies it).
  @IsDefined({ validateIf: (o: KindsDto) => o.mode === 'strict' })
  ref?: unknown;

  // `each` over a value that may or may not be a collection.
  @IsOptional()
  @MaxLength(3, { each: true })
  @IsLowercase({ each: true })
  labels?: string | string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @ArrayContains(['a'])
  list?: unknown[];

  @IsOptional()
  @Contains('a')
  @NotContains('z')
  @MinLength(2)
  @IsAlpha()
  word?: string;

  @IsOptional()
  @IsUUID()
  id?: string;

  @IsOptional()
  @IsISO8601()
  when?: string;

  @IsOptional()
  @IsNumberString()
  digits?: string;

  @IsOptional()
  @IsBooleanString()
  flag?: string;

  @IsOptional()
  @IsObject()
  @IsNotEmptyObject()
  meta?: object;

  @IsEmpty()
  nothing?: unknown;

  @IsOptional()
  @Equals(7)
  @NotEquals(8)
  seven?: number;

  @IsOptional()
  @IsNotIn([-3])
  @IsNegative()
  below?: number;

  @IsOptional()
  @Validate(Decodable)
  encoded?: string;
}

export const KINDS_POOLS: Pools = {
  amount: [1, 2.5, 0.5],
  mode: ['on', 'off', 'strict'],
  ref: [1, 'x', false],
  labels: ['ab', ['ab', 'c'], 'abcd'],
  list: [['a'], ['a', 'b'], ['a', 'a']],
  word: ['ab', 'abc'],
  id: ['123e4567-e89b-12d3-a456-426614174000'],
  when: ['2024-01-02', '2024-01-02T03:04:05Z'],
  digits: ['12', '1.5'],
  flag: ['true', 'false', '1'],
  meta: [{ a: 1 }],
  nothing: ['', null],
  seven: [7],
  below: [-1, -2.5, -3],
  encoded: ['a%20b', 'b', '%E0%A4%A'],
};

/** Rules selected by groups and `always`. */
export class GroupedDto {
  @IsOptional({ groups: ['update'] })
  @IsString({ groups: ['create', 'update'] })
  @Length(2, 5, { groups: ['create'] })
  title?: string;

  @IsInt({ always: true })
  @Min(0, { groups: ['create'] })
  @Max(5, { groups: ['update'] })
  size!: number;

  @Allow({ groups: ['update'] })
  note?: unknown;
}

export const GROUPED_POOLS: Pools = { title: ['ab', 'abcde', 'abcdef'], size: [0, 3, 5, 6, -1], note: ['n'] };

const strict = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;
export const GROUP_OPTION_SETS: Array<[string, ValidatorOptions]> = [
  ['no groups', strict],
  ['group create', { ...strict, groups: ['create'] }],
  ['group update', { ...strict, groups: ['update'] }],
  ['group create, strictGroups', { ...strict, groups: ['create'], strictGroups: true }],
  ['strictGroups without groups', { ...strict, strictGroups: true }],
  ['an unused group, always', { ...strict, groups: ['other'], always: true }],
  ['group update, strip', { whitelist: true, groups: ['update'] }],
];
