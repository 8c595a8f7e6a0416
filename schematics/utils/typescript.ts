import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SchematicsException } from '@angular-devkit/schematics';
import type * as TS from 'typescript';

let loaded: typeof TS | undefined;

/**
 * The app's TypeScript compiler, loaded on first use: every Nest app has it, and the schematics must not load it when
 * they do not edit code. Looked up from this package, then from the working directory.
 */
export function typescript(): typeof TS {
  if (loaded) return loaded;
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      loaded = createRequire(base)('typescript') as typeof TS;
      return loaded;
    } catch {
      // try the next place
    }
  }
  throw new SchematicsException('The nestjs-mcp-auth schematics edit modules with TypeScript: install it (npm i -D typescript).');
}
