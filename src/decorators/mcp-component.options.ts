import type { Type } from '@nestjs/common';
import type { McpAuthorizationCheck } from '../authorization/mcp-authorization-check.js';

/** Hints about a tool's behaviour that clients may show or use (MCP `ToolAnnotations`). */
export interface McpToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

interface McpComponentBaseOptions {
  /** Defaults to the method name. */
  name?: string;
  title?: string;
  /** Free-form labels; authorization checks such as `RestrictTag` and per-session visibility use them. */
  tags?: string[];
  /** Sent to clients as `_meta`. */
  meta?: Record<string, unknown>;
  /** Who may see and call it: checks added to the class's `@McpAuthorize()` and the server-wide ones (array = all). */
  auth?: McpAuthorizationCheck | McpAuthorizationCheck[];
  /** Overrides the module's `onDenied` for this component. */
  onDenied?: 'hide' | 'challenge';
  /** `false`: hidden until a session enables it (`McpSession.enable`). Default true. */
  enabled?: boolean;
}

export interface McpToolOptions extends McpComponentBaseOptions {
  /** What the tool does; models read it to choose tools. */
  description: string;
  annotations?: McpToolAnnotations;
  /** A DTO class describing the object the tool returns; advertised as `outputSchema`. */
  outputSchema?: Type<unknown>;
}

export interface McpResourceOptions extends McpComponentBaseOptions {
  /** The exact URI this method serves, e.g. `notes://index`. */
  uri: string;
  description?: string;
  mimeType?: string;
}

export interface McpResourceTemplateOptions extends McpComponentBaseOptions {
  /** An RFC 6570 URI template, e.g. `notes://{id}`; its variables reach the method through `@McpArgs()`. */
  uriTemplate: string;
  description?: string;
  mimeType?: string;
}

export interface McpPromptOptions extends McpComponentBaseOptions {
  description: string;
  /** A DTO class of string arguments; defaults to the type of the `@McpArgs()` parameter. */
  arguments?: Type<unknown>;
}
