import { componentSchematic } from '../utils/component.js';

/**
 * `nest g -c nestjs-mcp-auth tool notes/create-note`: a provider with an `@McpTool` method, the DTO of its arguments
 * and a spec, added to the nearest module.
 */
export const tool = componentSchematic('tool');
