import type { McpCompiledAuthorization } from '../authorization/mcp-authorizer.js';
import type { McpArgumentsValidator } from '../execution/mcp-arguments.validator.js';
import type { McpHandlerInvoker } from '../execution/mcp-handler.factory.js';
import type { McpComponentInfo } from '../execution/mcp-invocation.js';
import type { UriMatcher } from '../protocol/uri-template.js';

/** A discovered component with everything a request needs, built once at bootstrap. */
export interface McpComponent {
  readonly info: McpComponentInfo;
  /** What the list methods advertise for it, schemas included. */
  readonly descriptor: Readonly<Record<string, unknown>>;
  readonly validator: McpArgumentsValidator;
  readonly invoke: McpHandlerInvoker;
  /** Runs only the guard chain, for the list phase. */
  readonly probe: McpHandlerInvoker;
  readonly authorization: McpCompiledAuthorization;
  /** The component's class or method has guards of the app's own (they run in the list phase too). */
  readonly hasAppGuards: boolean;
  readonly onDenied?: 'hide' | 'challenge';
  /** `false`: hidden until a session enables it. */
  readonly enabled: boolean;
  /** Resources: the fixed URI. */
  readonly uri?: string;
  /** Resource templates: the compiled template. */
  readonly matcher?: UriMatcher;
  readonly mimeType?: string;
  readonly description?: string;
}
