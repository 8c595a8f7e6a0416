import { MCP_PROPERTY_METADATA } from '../mcp-auth.constants.js';

/** JSON Schema keywords added to a DTO property's generated schema (its description above all). */
export interface McpPropertyOptions {
  description?: string;
  title?: string;
  examples?: unknown[];
  default?: unknown;
  format?: string;
  [keyword: string]: unknown;
}

/**
 * Describes a DTO property for clients; class-validator decorators still define its type and constraints.
 * @example `@McpProperty({ description: 'Title of the note' }) @IsString() @MaxLength(200) title!: string;`
 */
export function McpProperty(options: McpPropertyOptions): PropertyDecorator {
  return (target, propertyKey) => Reflect.defineMetadata(MCP_PROPERTY_METADATA, options, target, propertyKey);
}
