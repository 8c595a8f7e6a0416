import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsEmail,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';
import { buildDtoSchema, isValidatedDto } from '../../src/discovery/dto-schema.builder.js';

const strict = { additionalProperties: false };

enum Color {
  Red = 'red',
  Green = 'green',
}

enum Level {
  Low = 1,
  High = 2,
}

class EnumDto {
  @IsEnum(Color) color!: Color;
  @IsEnum(Level) level!: Level;
}

class FormatsDto {
  @IsEmail() email!: string;
  @IsUrl() homepage!: string;
  @IsUUID() id!: string;
  @IsOptional() @IsDateString() since?: string;
  @IsString() @Length(2, 8) code!: string;
  @IsNumber() @IsPositive() amount!: number;
  @IsBoolean() @McpProperty({ description: 'Whether to notify', default: false }) notify!: boolean;
}

class LineDto {
  @IsString() sku!: string;
  @IsInt() quantity!: number;
}

class OrderDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => LineDto) lines!: LineDto[];
}

class TreeNode {
  @IsString() label!: string;
  @IsOptional() @ValidateNested() @Type(() => TreeNode) parent?: TreeNode;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => TreeNode) children?: TreeNode[];
}

class Plain {
  name = '';
}

describe('buildDtoSchema', () => {
  it('string and numeric TypeScript enums become their values', () => {
    assert.deepEqual(buildDtoSchema(EnumDto, strict), {
      type: 'object',
      properties: { color: { enum: ['red', 'green'] }, level: { enum: [1, 2] } },
      required: ['color', 'level'],
      additionalProperties: false,
    });
  });

  it('formats, lengths, ranges and @McpProperty keywords', () => {
    assert.deepEqual(buildDtoSchema(FormatsDto, { additionalProperties: true }), {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        homepage: { type: 'string', format: 'uri' },
        id: { type: 'string', format: 'uuid' },
        since: { type: 'string', format: 'date-time' },
        code: { type: 'string', minLength: 2, maxLength: 8 },
        amount: { type: 'number', exclusiveMinimum: 0 },
        notify: { type: 'boolean', description: 'Whether to notify', default: false },
      },
      required: ['email', 'homepage', 'id', 'code', 'amount', 'notify'],
    });
  });

  it('arrays of nested DTOs from @ValidateNested({ each: true }) @Type(() => X)', () => {
    assert.deepEqual(buildDtoSchema(OrderDto, strict), {
      type: 'object',
      properties: {
        lines: {
          type: 'array',
          minItems: 1,
          maxItems: 10,
          items: {
            type: 'object',
            properties: { sku: { type: 'string' }, quantity: { type: 'integer' } },
            required: ['sku', 'quantity'],
            additionalProperties: false,
          },
        },
      },
      required: ['lines'],
      additionalProperties: false,
    });
  });

  it('a cyclic DTO ends with a plain object instead of looping', () => {
    const schema = buildDtoSchema(TreeNode, strict);
    assert.deepEqual(schema, {
      type: 'object',
      properties: {
        label: { type: 'string' },
        parent: { type: 'object' },
        children: { type: 'array', items: { type: 'object' } },
      },
      required: ['label'],
      additionalProperties: false,
    });
  });

  it('isValidatedDto tells DTOs from plain classes and primitives', () => {
    assert.equal(isValidatedDto(OrderDto), true);
    assert.equal(isValidatedDto(Plain), false);
    assert.equal(isValidatedDto(String), false);
    assert.equal(isValidatedDto(Object), false);
    assert.equal(isValidatedDto(undefined), false);
  });
});
