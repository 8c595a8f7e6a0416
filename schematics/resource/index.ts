import { componentSchematic } from '../utils/component.js';

/**
 * `nest g -c nestjs-mcp-auth resource notes/index`: a provider with an `@McpResource` method (`notes://index`) and a
 * spec, added to the nearest module.
 */
export const resource = componentSchematic('resource');
