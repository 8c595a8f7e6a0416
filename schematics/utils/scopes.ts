import { SchematicsException } from '@angular-devkit/schematics';
import type { ComponentName } from './names.js';

/**
 * First words of tool names that change something: such tools default to the `<domain>:write` scope, every other
 * component (and every resource, resource template and prompt) to `<domain>:read`.
 */
export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'add', 'append', 'apply', 'approve', 'archive', 'assign', 'attach', 'book', 'cancel', 'change', 'charge', 'clear',
  'close', 'commit', 'copy', 'create', 'delete', 'deploy', 'destroy', 'detach', 'disable', 'drop', 'edit', 'enable',
  'erase', 'execute', 'grant', 'import', 'insert', 'invite', 'link', 'lock', 'mark', 'merge', 'modify', 'move', 'new',
  'patch', 'pay', 'post', 'publish', 'purge', 'put', 'refund', 'register', 'reject', 'remove', 'rename', 'replace',
  'reset', 'restore', 'revoke', 'run', 'save', 'schedule', 'send', 'set', 'start', 'stop', 'submit', 'sync', 'tag',
  'transfer', 'trigger', 'unassign', 'unlink', 'unlock', 'untag', 'update', 'upload', 'upsert', 'write',
]);

/**
 * The scope a generated component asks for when none is given (`nest g` cannot pass `--scopes`):
 * `<domain>:<access>`, where the domain is the last folder of the name (`notes/create-note` → `notes`), or without a
 * folder the name less its first word (`create-note` → `note`), or the one-word name itself; access is `write` for
 * tools whose name starts with a verb of {@link WRITE_VERBS} and `read` otherwise.
 */
export function defaultScope(kind: string, component: ComponentName): string {
  const words = component.name.split('-');
  const domain = component.dirs.at(-1) ?? (words.length > 1 ? words.slice(1).join('-') : component.name);
  const access = kind === 'tool' && WRITE_VERBS.has(words[0]) ? 'write' : 'read';
  return `${domain}:${access}`;
}

// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scopes of `--scopes` (comma- or space-separated). Empty or absent: the default. `none`: no scope, any
 * authenticated caller (`RequireAuth()`).
 */
export function resolveScopes(value: unknown, fallback: string): string[] {
  const given = (Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '').split(/[\s,]+/).filter(Boolean);
  if (!given.length) return [fallback];
  if (given.length === 1 && given[0].toLowerCase() === 'none') return [];
  for (const scope of given) {
    if (!SCOPE_TOKEN.test(scope)) {
      throw new SchematicsException(
        `Invalid scope "${scope}": a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3), e.g. notes:write.`,
      );
    }
  }
  return [...new Set(given)];
}
