import type { McpCompletionContext, McpCompletionResult } from '../decorators/mcp-complete.decorator.js';
import { Injectable } from '@nestjs/common';
import { McpMessages } from '../mcp-auth.messages.js';
import { compareSpecificity, type UriVariables } from '../discovery/uri-template.js';
import type { McpComponent } from './mcp-component.js';

/** A component that can serve a resource URI: a resource, or a template with the URI's variables. */
/** A provider method completing one argument: the partial value in, suggestions out. */
export type McpCompleter = (value: string, context: McpCompletionContext) => McpCompletionResult | Promise<McpCompletionResult>;

/** The four kinds of component, named as the registry holds them. */
export type McpFamily = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

export interface McpResourceMatch {
  readonly component: McpComponent;
  /** Set for templates only. */
  readonly variables?: UriVariables;
}

/** Every discovered component, indexed for dispatch; filled once at bootstrap and read-only afterwards. */
@Injectable()
export class McpRegistry {
  readonly tools = new Map<string, McpComponent>();
  readonly resources = new Map<string, McpComponent>();
  readonly resourceTemplates = new Map<string, McpComponent>();
  readonly prompts = new Map<string, McpComponent>();
  /** The completers of prompt and resource-template arguments (`@McpComplete()`), per component and argument. */
  readonly completers = new Map<McpComponent, Map<string, McpCompleter>>();
  /** Every scope a component's checks name (advertised in `scopes_supported`). */
  readonly scopes = new Set<string>();
  private readonly resourcesByUri = new Map<string, McpComponent>();
  /** The resource templates, most specific first, then in declaration order. */
  private readonly templatesBySpecificity: McpComponent[] = [];

  add(component: McpComponent): void {
    const { kind, name, handler } = component.info;
    const byName = this.byKind(kind);
    const existing = byName.get(name);
    if (existing) throw new Error(McpMessages.duplicateComponent(label(kind), name, existing.info.handler, handler));
    if (kind === 'resource') {
      const other = this.resourcesByUri.get(component.uri!);
      if (other) throw new Error(McpMessages.duplicateResourceUri(component.uri!, other.info.handler, handler));
      this.resourcesByUri.set(component.uri!, component);
    }
    if (kind === 'resourceTemplate') {
      const { specificity } = component.matcher!;
      const templates = this.templatesBySpecificity;
      // After every template at least as specific: ties keep declaration order.
      let at = templates.length;
      while (at > 0 && compareSpecificity(specificity, templates[at - 1].matcher!.specificity) < 0) at--;
      templates.splice(at, 0, component);
    }
    byName.set(name, component);
  }

  /**
   * Every component that can serve this URI, in the order to try them: the resource with exactly this URI, then
   * each matching template, most specific first (more literal characters, then fewer `+`/`#` expressions, then
   * declaration order), with its variables. Lazy: a template is matched only when the caller asks for the next.
   */
  *resolveResource(uri: string): Generator<McpResourceMatch, void, undefined> {
    const exact = this.resourcesByUri.get(uri);
    if (exact) yield { component: exact };
    for (const component of this.templatesBySpecificity) {
      const variables = component.matcher!.match(uri);
      if (variables) yield { component, variables };
    }
  }

  /** The first candidate of `resolveResource`. */
  findResource(uri: string): McpResourceMatch | undefined {
    for (const found of this.resolveResource(uri)) return found;
    return undefined;
  }

  /** Whether any prompt or template argument can be completed (the `completions` capability). */
  get completes(): boolean {
    if (this.completers.size) return true;
    for (const component of [...this.prompts.values(), ...this.resourceTemplates.values()]) if (component.enumValues?.size) return true;
    return false;
  }

  get size(): number {
    return this.tools.size + this.resources.size + this.resourceTemplates.size + this.prompts.size;
  }

  private byKind(kind: McpComponent['info']['kind']): Map<string, McpComponent> {
    switch (kind) {
      case 'tool':
        return this.tools;
      case 'resource':
        return this.resources;
      case 'resourceTemplate':
        return this.resourceTemplates;
      case 'prompt':
        return this.prompts;
    }
  }
}

function label(kind: McpComponent['info']['kind']): string {
  return kind === 'resourceTemplate' ? 'resource template' : kind;
}
