// Copies what tsc does not emit into dist/schematics: the collection, the option schemas and the templates.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = dirname(fileURLToPath(import.meta.url));
const target = join(source, '..', 'dist', 'schematics');
mkdirSync(target, { recursive: true });
cpSync(source, target, {
  recursive: true,
  filter: (path) => {
    const inside = relative(source, path);
    if (!inside) return true;
    if (inside.split(sep).includes('files')) return true;
    // Folders are walked; of files only JSON is copied (tsconfig.json excepted).
    return !/\.[a-z]+$/i.test(inside) ? true : inside.endsWith('.json') && inside !== 'tsconfig.json';
  },
});
