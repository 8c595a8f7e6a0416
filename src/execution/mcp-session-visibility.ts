import type { McpVisibilityFilter } from './mcp-context.js';

/** What visibility reads of a component. */
interface Shown {
  readonly info: { readonly name: string; readonly tags: readonly string[] };
  readonly enabled: boolean;
}

/** Per-session overrides of which components are shown: names and tags enabled or disabled. */
export class McpSessionVisibility {
  private readonly enabledNames = new Set<string>();
  private readonly enabledTags = new Set<string>();
  private readonly disabledNames = new Set<string>();
  private readonly disabledTags = new Set<string>();

  /** No overrides: the session sees the declared defaults (and list results may be shared). */
  get isDefault(): boolean {
    return !this.enabledNames.size && !this.enabledTags.size && !this.disabledNames.size && !this.disabledTags.size;
  }

  allows(component: Shown): boolean {
    const { name, tags } = component.info;
    if (this.disabledNames.has(name) || tags.some((t) => this.disabledTags.has(t))) return false;
    if (component.enabled) return true;
    return this.enabledNames.has(name) || tags.some((t) => this.enabledTags.has(t));
  }

  enable(filter: McpVisibilityFilter): void {
    for (const name of filter.names ?? []) (this.disabledNames.delete(name), this.enabledNames.add(name));
    for (const tag of filter.tags ?? []) (this.disabledTags.delete(tag), this.enabledTags.add(tag));
  }

  disable(filter: McpVisibilityFilter): void {
    for (const name of filter.names ?? []) (this.enabledNames.delete(name), this.disabledNames.add(name));
    for (const tag of filter.tags ?? []) (this.enabledTags.delete(tag), this.disabledTags.add(tag));
  }

  reset(): void {
    this.enabledNames.clear();
    this.enabledTags.clear();
    this.disabledNames.clear();
    this.disabledTags.clear();
  }
}

/** The visibility of requests without a session (stateless HTTP): the declared defaults. */
export const DEFAULT_VISIBILITY = new McpSessionVisibility();
