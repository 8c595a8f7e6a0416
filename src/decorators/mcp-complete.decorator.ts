import type { McpPrincipal } from '../authentication/mcp-principal.js';
import { MCP_COMPLETE_METADATA } from '../mcp-auth.constants.js';

/** Which argument of which component a completer suggests values for. */
export type McpCompletionTarget = { prompt: string; argument: string } | { resourceTemplate: string; argument: string };

/** What a completer receives besides the partial value. */
export interface McpCompletionContext {
  /** The argument being completed. */
  readonly argument: string;
  /** Values the client already chose for the component's other arguments (`context.arguments`). */
  readonly arguments: Readonly<Record<string, string>>;
  readonly principal: McpPrincipal;
  /** Aborted when the client cancels the request or goes away. */
  readonly signal: AbortSignal;
}

/** Suggestions: a list of values, or the values with the total number of matches. At most 100 are sent. */
export type McpCompletionResult = readonly string[] | { values: readonly string[]; total?: number; hasMore?: boolean };

/**
 * Makes a provider method the completer of one argument of a prompt or a resource template
 * (`completion/complete`). The method receives the partial value and an `McpCompletionContext`. Completion obeys the
 * component's authorization: a caller who may not see the component is answered as if it did not exist. Arguments
 * typed by a DTO property with an enum (`@IsIn`, `@IsEnum`) complete from its values without a completer.
 * @example
 * ```ts
 * @McpComplete({ prompt: 'summarize', argument: 'style' })
 * styles(value: string) {
 *   return ['brief', 'detailed', 'bullet points'].filter((s) => s.startsWith(value));
 * }
 * ```
 */
export function McpComplete(target: McpCompletionTarget): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const targets = (Reflect.getMetadata(MCP_COMPLETE_METADATA, method) as McpCompletionTarget[] | undefined) ?? [];
    Reflect.defineMetadata(MCP_COMPLETE_METADATA, [...targets, target], method);
    return descriptor;
  };
}
