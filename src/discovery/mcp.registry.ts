import { Injectable } from '@nestjs/common';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpComponent } from './mcp-component.js';

/** Every discovered component, indexed for dispatch; filled once at bootstrap and read-only afterwards. */
@Injectable()
export class McpRegistry {
  readonly tools = new Map<string, McpComponent>();
  readonly resources = new Map<string, McpComponent>();
  readonly resourceTemplates = new Map<string, McpComponent>();
  readonly prompts = new Map<string, McpComponent>();
  /** Every scope a component's checks name (advertised in `scopes_supported`). */
  readonly scopes = new Set<string>();

  add(component: McpComponent): void {
    const { kind, name, handler } = component.info;
    const byName = this.byKind(kind);
    const existing = byName.get(name);
    if (existing) throw new Error(McpMessages.duplicateComponent(label(kind), name, existing.info.handler, handler));
    if (kind === 'resource') {
      for (const other of this.resources.values()) {
        if (other.uri === component.uri) {
          throw new Error(McpMessages.duplicateResourceUri(component.uri!, other.info.handler, handler));
        }
      }
    }
    byName.set(name, component);
  }

  /** The resource with this exact URI, else the first template that matches it, with its variables. */
  findResource(uri: string): { component: McpComponent; variables?: Record<string, string | string[]> } | undefined {
    for (const component of this.resources.values()) {
      if (component.uri === uri) return { component };
    }
    for (const component of this.resourceTemplates.values()) {
      const variables = component.matcher!.match(uri);
      if (variables) return { component, variables };
    }
    return undefined;
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
