import { SchematicsException, strings } from '@angular-devkit/schematics';

/** A component name split into the folders it goes in and its own (kebab-case) name. */
export interface ComponentName {
  /** Folders under the source root, kebab-case: `notes/create-note` → `['notes']`. */
  readonly dirs: string[];
  /** The component's own name, kebab-case: `create-note`. Also its MCP name. */
  readonly name: string;
}

const SEGMENT = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// Method and class names generated from the name must be legal and must not shadow what every object has.
const RESERVED = new Set(['constructor', 'prototype', '__proto__', 'to-string', 'value-of', 'has-own-property']);

/**
 * Parses `notes/create-note` (or `notes/createNote`, as the schematics CLI passes it unchanged) and refuses what
 * cannot become a file, class, method and MCP name.
 */
export function parseComponentName(raw: unknown, kind: string): ComponentName {
  if (typeof raw !== 'string' || !raw.trim()) {
    throw new SchematicsException(`A name is required, e.g. "nest g -c nestjs-mcp-auth ${kind} notes/${example(kind)}".`);
  }
  const segments = raw.trim().replace(/\\/g, '/').replace(/^\/+|\/+$/g, '').split('/');
  const kebab = segments.map((segment) => strings.dasherize(segment));
  kebab.forEach((segment, index) => {
    if (!SEGMENT.test(segment)) {
      throw new SchematicsException(
        `Invalid name "${raw}": "${segments[index]}" must start with a letter and contain only letters, digits and ` +
          `dashes (e.g. notes/${example(kind)}).`,
      );
    }
  });
  const name = kebab[kebab.length - 1];
  if (RESERVED.has(name)) throw new SchematicsException(`Invalid name "${raw}": "${name}" is reserved in JavaScript classes.`);
  if (name.length > 64) throw new SchematicsException(`Invalid name "${raw}": keep it under 64 characters.`);
  return { dirs: kebab.slice(0, -1), name };
}

function example(kind: string): string {
  switch (kind) {
    case 'resource':
      return 'index';
    case 'resource-template':
      return 'note';
    case 'prompt':
      return 'summarize-note';
    default:
      return 'create-note';
  }
}

/** A single-quoted TypeScript string literal of any text. */
export function tsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, '\\n').replace(/[\u2028\u2029]/g, ' ')}'`;
}
