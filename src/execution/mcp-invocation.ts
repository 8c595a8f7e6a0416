import type { McpPrincipal } from '../authentication/mcp-principal.js';
import type { McpContext } from './mcp-context.js';

export type McpComponentKind = 'tool' | 'resource' | 'resourceTemplate' | 'prompt';
export type McpPhase = 'list' | 'call';

/** The public description of a component, as guards and checks see it. */
export interface McpComponentInfo {
  readonly kind: McpComponentKind;
  readonly name: string;
  readonly tags: readonly string[];
  /** The options given to the component's decorator. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** `Class#method` of the handler. */
  readonly handler: string;
}

/** What the module passes to the Nest pipeline as the third argument of the handler's execution context. */
export interface McpInvocation {
  readonly component: McpComponentInfo;
  readonly phase: McpPhase;
  /** Validated arguments (a DTO instance when the parameter is typed with one); absent while listing. */
  readonly arguments?: unknown;
  /** For resources: the URI read. */
  readonly uri?: string;
  readonly principal: McpPrincipal;
  readonly context: McpContext;
}

export const MCP_INVOCATION_INDEX = 2;

/** @internal The invocation as the module's marker guard sees it. */
export interface McpInvocationState extends McpInvocation {
  /** Set by the last guard of the chain: past it, a failure is the handler's, not a denial. */
  guardsPassed: boolean;
}

/** Runs a component's method through its invocation plan for one call. */
export type McpHandlerInvoker = (invocation: McpInvocationState) => Promise<unknown>;
