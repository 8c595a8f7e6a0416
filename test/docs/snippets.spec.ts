import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractSnippets, type Snippet } from './markdown-snippets.js';
import { checkSnippets } from './snippet-checker.js';

/**
 * Every ```ts block of README.md and docs/**\/*.md compiles as a module of an app that depends on the built package
 * (run after `npm run build`). Examples import the sample app's files (`sample/`) by relative paths
 * (`./notes/notes.service.js`). A block that is deliberately partial opts out with ```ts no-compile or a preceding
 * `<!-- snippet: skip <reason> -->`.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

function markdownFiles(): string[] {
  const docsDir = join(root, 'docs');
  const docs = (existsSync(docsDir) ? readdirSync(docsDir, { recursive: true, encoding: 'utf8' }) : [])
    .filter((path) => path.endsWith('.md'))
    .map((path) => join('docs', path).replaceAll('\\', '/'));
  return ['README.md', ...docs.sort()];
}

const SELF_TEST = 'broken.md';
const BROKEN = [
  'Intro.',
  '',
  '```ts',
  "import { McpTool } from 'nestjs-mcp-auth';",
  "const count: number = 'three';",
  'ownerOf(count);',
  '```',
  '',
  '<!-- snippet: skip partial on purpose -->',
  '```typescript',
  'this is not TypeScript',
  '```',
  '',
  '```ts no-compile',
  'neither is this',
  '```',
].join('\n');

describe('documentation snippets', () => {
  const documented = markdownFiles().flatMap((file) => extractSnippets(readFileSync(join(root, file), 'utf8'), file));
  // The broken example is checked in the same program as the real ones: one program, and proof the check can fail.
  const result = checkSnippets([...documented, ...extractSnippets(BROKEN, SELF_TEST)], {
    root,
    outDir: join(root, 'build', 'snippets'),
    contextDir: join(root, 'sample'),
  });

  it('every TypeScript block of README.md and docs/ compiles against the built package', (t) => {
    const problems = result.problems.filter((problem) => problem.file !== SELF_TEST);
    const compiled = result.compiled.filter((snippet) => snippet.file !== SELF_TEST);
    const skipped = result.skipped.filter((snippet) => snippet.file !== SELF_TEST);
    t.diagnostic(`${compiled.length} blocks compiled, ${skipped.length} skipped`);
    for (const snippet of skipped) t.diagnostic(`skipped ${snippet.file}:${snippet.line} (${snippet.skipped})`);
    assert.ok(compiled.length > 0, 'no TypeScript block found');
    assert.deepEqual(
      problems.map((problem) => `${problem.file}:${problem.line} ${problem.message}`),
      [],
      'documentation blocks that do not compile',
    );
  });

  it('reports a broken block at its Markdown line, and counts the opted-out ones', () => {
    assert.deepEqual(
      result.problems.filter((problem) => problem.file === SELF_TEST).map(({ line, message }) => [line, message.slice(0, 7)]),
      [
        [5, 'TS2322:'],
        [6, 'TS2304:'],
      ],
    );
    const own = (snippets: Snippet[]) => snippets.filter((snippet) => snippet.file === SELF_TEST).map((s) => [s.line, s.skipped]);
    assert.deepEqual(own(result.compiled), [[3, undefined]]);
    assert.deepEqual(own(result.skipped), [
      [10, 'partial on purpose'],
      [14, 'no-compile'],
    ]);
  });
});
