import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type {
  McpPromptOptions,
  McpResourceOptions,
  McpResourceTemplateOptions,
  McpToolOptions,
} from '../decorators/mcp-component.options.js';
import type { McpCompletionTarget } from '../decorators/mcp-complete.decorator.js';
import type { McpAuthorizationCheck } from '../authorization/mcp-authorization-check.js';
import type { McpComponentKind } from '../execution/mcp-invocation.js';
import {
  MCP_AUTH_METADATA,
  MCP_COMPLETE_METADATA,
  MCP_PROMPT_METADATA,
  MCP_RESOURCE_METADATA,
  MCP_RESOURCE_TEMPLATE_METADATA,
  MCP_TOOL_METADATA,
} from '../mcp-auth.constants.js';

export type McpComponentMetadata =
  | { kind: 'tool'; options: McpToolOptions }
  | { kind: 'resource'; options: McpResourceOptions }
  | { kind: 'resourceTemplate'; options: McpResourceTemplateOptions }
  | { kind: 'prompt'; options: McpPromptOptions };

const KEYS: ReadonlyArray<[McpComponentKind, string]> = [
  ['tool', MCP_TOOL_METADATA],
  ['resource', MCP_RESOURCE_METADATA],
  ['resourceTemplate', MCP_RESOURCE_TEMPLATE_METADATA],
  ['prompt', MCP_PROMPT_METADATA],
];

/** The one reader of the component decorators' metadata. */
@Injectable()
export class McpMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** Every component decorator on a method (a method may carry more than one kind). */
  getComponents(method: Function): McpComponentMetadata[] {
    const found: McpComponentMetadata[] = [];
    for (const [kind, key] of KEYS) {
      const options = this.reflector.get(key, method);
      if (options) found.push({ kind, options } as McpComponentMetadata);
    }
    return found;
  }

  /** The prompt and template arguments a method completes (`@McpComplete()`). */
  getCompletionTargets(method: Function): McpCompletionTarget[] {
    return this.reflector.get<McpCompletionTarget[] | undefined>(MCP_COMPLETE_METADATA, method) ?? [];
  }

  /** The checks of a provider class's `@McpAuthorize()`. */
  getClassChecks(classRef: Function): McpAuthorizationCheck[] {
    return this.reflector.get<McpAuthorizationCheck[] | undefined>(MCP_AUTH_METADATA, classRef) ?? [];
  }
}
