import type { McpCompiledAuthorization } from '../authorization/mcp-authorizer.js';
import type { McpArgumentsCheck } from '../execution/json-schema.validator.js';
import type { McpComponentInfo, McpHandlerInvoker, McpInvocation } from '../execution/mcp-invocation.js';
import type { UriMatcher } from '../discovery/uri-template.js';
import type { McpParamHeader } from './mcp-param-headers.js';

/** A discovered component with everything a request needs, built once at bootstrap. */
export interface McpComponent {
  readonly info: McpComponentInfo;
  /** What the list methods advertise for it, schemas included. */
  readonly descriptor: Readonly<Record<string, unknown>>;
  readonly validator: McpArgumentsCheck;
  /** The handler through the parts of Nest's pipeline that apply to it (its invocation plan, chosen at bootstrap). */
  readonly invoke: McpHandlerInvoker;
  readonly authorization: McpCompiledAuthorization;
  /**
   * The guards marked `@McpListSafe()` that apply to the component, run with its real class and method: true when
   * every one allows. Absent when there are none. Used by the list predicate only.
   */
  readonly listGuards?: (invocation: McpInvocation) => Promise<boolean>;
  readonly onDenied?: 'hide' | 'challenge';
  /** `false`: hidden until a session enables it. */
  readonly enabled: boolean;
  /** Resources: the fixed URI. */
  readonly uri?: string;
  /** Resource templates: the compiled template. */
  readonly matcher?: UriMatcher;
  readonly mimeType?: string;
  /** Tools: parameters mirrored into `Mcp-Param-*` headers (`x-mcp-header` in a declared input schema). */
  readonly paramHeaders?: readonly McpParamHeader[];
  /** Prompts and templates: the values of arguments declared with an enum, which complete without a completer. */
  readonly enumValues?: ReadonlyMap<string, readonly string[]>;
  readonly description?: string;
}
