import { componentSchematic } from '../utils/component.js';

/**
 * `nest g -c nestjs-mcp-auth prompt notes/summarize-note`: a provider with an `@McpPrompt` method, the DTO of its
 * arguments and a spec, added to the nearest module.
 */
export const prompt = componentSchematic('prompt');
