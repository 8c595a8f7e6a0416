import { SetMetadata } from '@nestjs/common';
import { MCP_PROMPT_METADATA } from '../mcp-auth.constants.js';
import type { McpPromptOptions } from './mcp-component.options.js';

/**
 * Serves the method as an MCP prompt. Its arguments come from a DTO of string properties.
 * @example `@McpPrompt({ description: 'Summarize a note' }) summarize(@McpArgs() args: SummarizeDto) {…}`
 */
export const McpPrompt = (options: McpPromptOptions): MethodDecorator => SetMetadata(MCP_PROMPT_METADATA, options);
