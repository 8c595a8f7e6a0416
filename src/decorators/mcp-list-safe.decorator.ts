import { SetMetadata } from '@nestjs/common';
import { MCP_LIST_SAFE_METADATA } from '../mcp-auth.constants.js';

/**
 * Marks a guard as free of side effects, so the module also runs it while listing (and to admit a call, before the
 * arguments are validated), to hide the components it would deny. Unmarked guards run only when a component is
 * called, exactly once per call: a rate limiter or a counting guard never sees a list.
 * @example
 * ```ts
 * @McpListSafe()
 * @Injectable()
 * export class RolesGuard implements CanActivate { … }
 * ```
 */
export const McpListSafe = (): ClassDecorator => SetMetadata(MCP_LIST_SAFE_METADATA, true);

/** Whether a guard instance (or its class) is marked list-safe. */
export function isListSafe(guard: object): boolean {
  return Reflect.getMetadata(MCP_LIST_SAFE_METADATA, guard.constructor) === true;
}
