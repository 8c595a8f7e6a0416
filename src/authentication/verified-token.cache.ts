import type { McpPrincipal } from './mcp-principal.js';

/**
 * Remembers verified tokens until they expire (or `maxAgeMs`, whichever is first), so a repeated token costs a
 * map lookup instead of a second signature check. Bounded: the oldest entries go first.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { result: McpPrincipal; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  get(token: string): McpPrincipal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.result;
  }

  set(token: string, result: McpPrincipal): void {
    if (this.maxEntries <= 0) return;
    const now = Date.now();
    const expiry = result.expiresAt !== undefined ? result.expiresAt * 1000 : now + this.maxAgeMs;
    const until = Math.min(expiry, now + this.maxAgeMs);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { result, until });
  }
}
