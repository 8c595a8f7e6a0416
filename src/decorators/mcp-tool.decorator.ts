import { SetMetadata } from '@nestjs/common';
import { MCP_TOOL_METADATA } from '../mcp-auth.constants.js';
import type { McpToolOptions } from './mcp-component.options.js';

/**
 * Serves the method as an MCP tool.
 * @example
 * ```ts
 * @McpTool({ description: 'Create a note' })
 * create(@McpArgs() args: CreateNoteDto) { return this.notes.create(args); }
 * ```
 */
export const McpTool = (options: McpToolOptions): MethodDecorator => SetMetadata(MCP_TOOL_METADATA, options);
