import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './markdown-snippets.js';

export interface SnippetProblem {
  /** The Markdown file and line of the code (or, for an error outside any snippet, the file it is in). */
  file: string;
  line: number;
  message: string;
}

export interface SnippetCheckResult {
  compiled: Snippet[];
  skipped: Snippet[];
  problems: SnippetProblem[];
}

export interface SnippetCheckOptions {
  /** The package root: its package.json makes `nestjs-mcp-auth` resolve to the built package (dist/), as in an app. */
  root: string;
  /** Where the snippets are written, one module each; emptied first. Must be inside `root`. */
  outDir: string;
  /** A folder copied into `outDir` first, so snippets can import an app's files by relative paths (`./notes/…`). */
  contextDir?: string;
}

/**
 * Type-checks snippets the way an app compiles them: each one its own ES module importing the built package, all in
 * one TypeScript program. Skipped snippets are counted, not compiled.
 */
export function checkSnippets(snippets: Snippet[], options: SnippetCheckOptions): SnippetCheckResult {
  const outDir = resolve(options.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  if (options.contextDir) cpSync(options.contextDir, outDir, { recursive: true, filter: (src) => !src.endsWith('.js') });

  const compiled = snippets.filter((snippet) => snippet.skipped === undefined);
  const byPath = new Map<string, Snippet>();
  for (const snippet of compiled) {
    const path = join(outDir, `${snippet.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${snippet.line}.ts`);
    writeFileSync(path, snippet.code);
    byPath.set(path, snippet);
  }

  const program = ts.createProgram([...byPath.keys()], {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    // Every snippet is a module, so names declared in one never clash with another's.
    moduleDetection: ts.ModuleDetectionKind.Force,
    strict: true,
    // DTO properties are assigned by class-transformer, as in every Nest app.
    strictPropertyInitialization: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(options.root, 'node_modules', '@types')],
  });

  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic): SnippetProblem => {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    if (!diagnostic.file || diagnostic.start === undefined) return { file: '(program)', line: 0, message };
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const snippet = byPath.get(resolve(diagnostic.file.fileName));
    if (snippet) return { file: snippet.file, line: snippet.line + 1 + line, message };
    return { file: relative(options.root, diagnostic.file.fileName), line: line + 1, message };
  });
  return { compiled, skipped: snippets.filter((snippet) => snippet.skipped !== undefined), problems };
}
