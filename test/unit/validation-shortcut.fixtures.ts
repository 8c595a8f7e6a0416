import 'reflect-metadata';
import {
  Allow,
  ArrayMaxSize,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
  type ValidatorOptions,
} from 'class-validator';

/**
 * DTOs and option sets the shortcut is held to class-validator on, shared by its seeded differential
 * (validation-shortcut.spec) and its fast-check one (validation-shortcut.property.spec), which adds the DTOs of
 * validation-shortcut-kinds.fixtures.
 */

export enum Color {
  Red = 'red',
  Blue = 'blue',
}

@ValidatorConstraint({ name: 'even' })
export class EvenConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'number' && value % 2 === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be even`;
  }
}

/** A decorator made with registerDecorator that reads another property (cross-field rule). */
export function NotEqualTo(other: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'notEqualTo',
      target: target.constructor,
      propertyName,
      constraints: [other],
      validator: {
        validate: (value: unknown, args: ValidationArguments) => value !== (args.object as Record<string, unknown>)[args.constraints[0] as string],
        defaultMessage: (args: ValidationArguments) => `${args.property} must differ from ${args.constraints[0] as string}`,
      },
    });
}

export class BaseDto {
  @IsOptional()
  @IsString()
  @Length(1, 5)
  note?: string;

  @IsInt()
  @Min(0)
  count!: number;
}

export class RichDto extends BaseDto {
  // Overrides the inherited rule of the same type.
  @IsInt()
  @Min(1)
  @Max(10)
  declare count: number;

  @IsString()
  @IsNotEmpty()
  @Matches(/^[a-z]+$/)
  @NotEqualTo('note')
  name!: string;

  @IsOptional()
  @IsEnum(Color)
  color?: Color;

  @IsOptional()
  @IsIn(['a', 'b'])
  choice?: string;

  @ValidateIf((o: RichDto) => o.color === Color.Red)
  @IsBoolean()
  confirmed?: boolean;

  @IsOptional()
  @Validate(EvenConstraint)
  even?: number;

  @IsOptional()
  @IsEmail()
  email?: string;

  @IsNumber({}, { validateIf: (o: RichDto) => o.choice === 'a' })
  weight?: number;

  @Allow()
  free?: unknown;

  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(2)
  tags?: string[];
}

export class DefinedDto {
  @IsDefined()
  @IsOptional()
  @IsNumber()
  must?: number;

  @IsString()
  plain!: string;

  // Applies even when the missing-property options skip the other rules.
  @IsDefined()
  anything!: unknown;
}

/** Per key, values that often satisfy its rules, so that the success path gets exercised as much as refusals. */
export type Pools = Readonly<Record<string, readonly unknown[]>>;

export const RICH_POOLS: Pools = {
  count: [1, 2, 10],
  name: ['abc', 'b'],
  note: ['abc', 'b', 'abcdef'],
  color: ['red', 'blue'],
  choice: ['a', 'b'],
  confirmed: [true, false],
  even: [2, 4, 3],
  email: ['x@example.com'],
  weight: [2, 2.5],
  free: [{ any: 1 }, 'x'],
};
export const DEFINED_POOLS: Pools = { must: [1, 2.5], plain: ['x', ''], anything: [0, 'x', false] };

export const OPTION_SETS: Array<[string, ValidatorOptions]> = [
  ['module defaults', { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }],
  ['whitelist, strip', { whitelist: true, forbidUnknownValues: true }],
  ['no whitelist', { forbidUnknownValues: false }],
  ['skipMissingProperties', { whitelist: true, skipMissingProperties: true }],
  ['skipNullProperties', { whitelist: true, skipNullProperties: true }],
  ['skipUndefinedProperties', { whitelist: true, skipUndefinedProperties: true }],
];

