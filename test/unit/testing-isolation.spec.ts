import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// The published build, as users import it ('nestjs-mcp-auth' resolves to the package's own dist/).
const dist = dirname(createRequire(import.meta.url).resolve('nestjs-mcp-auth'));
const testing = join(dist, 'testing') + sep;

/** Every file the module graph from `entry` can load: static imports, re-exports and dynamic imports of local files. */
function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), match[1]!);
      assert.ok(existsSync(target), `${file} imports ${match[1]}, which does not exist`);
      pending.push(target);
    }
  }
  return seen;
}

const list = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));

describe('nestjs-mcp-auth/testing stays out of production imports', () => {
  it('the graph of the main entry reaches the module but nothing under testing/', () => {
    const files = graph(join(dist, 'index.js'));
    assert.ok(files.has(join(dist, 'protocol', 'mcp-protocol.js')), 'the walk follows imports');
    assert.deepEqual([...files].filter((f) => f.startsWith(testing)), []);
  });

  it('no file outside testing/ imports it (the walk would find one if it did)', () => {
    assert.ok([...graph(join(testing, 'index.js'))].some((f) => f.endsWith(join('testing', 'mcp-test.issuer.js'))));
    const offenders = list(dist)
      .filter((f) => !f.startsWith(testing))
      .filter((f) => [...graph(f)].some((g) => g.startsWith(testing)));
    assert.deepEqual(offenders, []);
  });

  it('is its own entry in the package exports', () => {
    const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    assert.equal(pkg.exports['./testing']?.default, './dist/testing/index.js');
    assert.equal(createRequire(import.meta.url).resolve('nestjs-mcp-auth/testing'), join(testing, 'index.js'));
  });
});
