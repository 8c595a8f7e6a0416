import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import ts from 'typescript';

/**
 * Every TypeScript block of docs/*.md is a complete module that compiles against the package as an app installs it
 * (`nestjs-mcp-auth` resolves to dist/ through the package's self-reference), under strict settings.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function blocks(): Array<{ name: string; code: string }> {
  const docs = readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md'));
  return docs.flatMap((doc) =>
    [...readFileSync(join(ROOT, 'docs', doc), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => ({
      name: `${doc.replace(/\.md$/, '')}-${index + 1}.ts`,
      code: match[1],
    })),
  );
}

describe('docs/*.md TypeScript examples', () => {
  it('are complete modules that compile against the package', () => {
    const examples = blocks();
    assert.ok(examples.length >= 4, `found ${examples.length} examples`);
    for (const { name, code } of examples) assert.match(code, /^import /m, `${name} imports what it uses`);
    // Inside the repository, so that the package's self-reference and its node_modules resolve as for an app.
    const scratch = join(ROOT, '.build-docs-tmp');
    mkdirSync(scratch, { recursive: true });
    const dir = mkdtempSync(join(scratch, 'examples-'));
    try {
      const files = examples.map(({ name, code }) => {
        writeFileSync(join(dir, name), code);
        return join(dir, name);
      });
      const program = ts.createProgram(files, {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2023,
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
      });
      const diagnostics = ts.getPreEmitDiagnostics(program);
      const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' });
      assert.equal(text, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
