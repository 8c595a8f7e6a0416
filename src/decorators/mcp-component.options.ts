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
  /**
   * The arguments' JSON Schema (2020-12 unless its `$schema` says otherwise), advertised exactly as given (`$schema`,
   * `$defs`, `$ref` and all) and checked with Ajv before the handler runs, in place of a DTO. Its root must be
   * `type: "object"`; a method that also takes a DTO through `@McpArgs()` is a startup error (two sources of truth).
   */
  inputSchema?: Readonly<Record<string, unknown>>;
  /** What the tool returns, advertised as `outputSchema`: a DTO class, or a JSON Schema given as is. */
  outputSchema?: Type<unknown> | Readonly<Record<string, unknown>>;
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
