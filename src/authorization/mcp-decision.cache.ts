import type { McpPrincipal } from '../authentication/mcp-principal.js';

const MAX_KEYS = 1024;
const keys = new WeakMap<McpPrincipal, string>();

/**
 * What a pure decision reads of the caller — anonymity, scopes and roles (as sets) — encoded so that two callers get
 * the same key exactly when those are equal. JSON of the sorted lists: a role may hold any character (spaces, NUL,
 * quotes), and JSON's string escaping keeps every list boundary unambiguous. Memoized per (frozen) principal object.
 */
export function decisionKey(principal: McpPrincipal): string {
  let key = keys.get(principal);
  if (key === undefined) {
    key = JSON.stringify([principal.source === 'anonymous', sortedSet(principal.scopes), sortedSet(principal.roles)]);
    if (Object.isFrozen(principal) && Object.isFrozen(principal.scopes) && Object.isFrozen(principal.roles)) keys.set(principal, key);
  }
  return key;
}

function sortedSet(list: readonly string[]): readonly string[] {
  if (list.length < 2) return list;
  return [...new Set(list)].sort();
}

/** Values per caller key, bounded: past `MAX_KEYS` distinct callers it starts over (a cache, never the truth). */
export class McpCallerCache<K, V> {
  private readonly byCaller = new Map<string, Map<K, V>>();

  get(caller: string, key: K): V | undefined {
    return this.byCaller.get(caller)?.get(key);
  }

  set(caller: string, key: K, value: V): void {
    let entries = this.byCaller.get(caller);
    if (!entries) {
      if (this.byCaller.size >= MAX_KEYS) this.byCaller.clear();
      entries = new Map();
      this.byCaller.set(caller, entries);
    }
    entries.set(key, value);
  }
}
