import { SetMetadata } from '@nestjs/common';
import { MCP_RESOURCE_METADATA, MCP_RESOURCE_TEMPLATE_METADATA } from '../mcp-auth.constants.js';
import type { McpResourceOptions, McpResourceTemplateOptions } from './mcp-component.options.js';

/**
 * Serves the method as the MCP resource at a fixed URI.
 * @example `@McpResource({ uri: 'notes://index', mimeType: 'application/json' })`
 */
export const McpResource = (options: McpResourceOptions): MethodDecorator => SetMetadata(MCP_RESOURCE_METADATA, options);

/**
 * Serves every URI matching an RFC 6570 template; `@McpArgs()` receives the variables (validated when typed
 * with a DTO) and `@McpArgs('id')` one of them.
 * @example `@McpResourceTemplate({ uriTemplate: 'notes://{id}' }) read(@McpArgs('id') id: string) {…}`
 */
export const McpResourceTemplate = (options: McpResourceTemplateOptions): MethodDecorator =>
  SetMetadata(MCP_RESOURCE_TEMPLATE_METADATA, options);
