import { componentSchematic } from '../utils/component.js';

/**
 * `nest g -c nestjs-mcp-auth resource-template notes/note`: a provider with an `@McpResourceTemplate` method
 * (`notes://note/{id}`), the DTO of its variables and a spec, added to the nearest module.
 */
export const resourceTemplate = componentSchematic('resource-template');
