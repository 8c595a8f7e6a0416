import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { NodeWorkflow } from '@angular-devkit/schematics/tools/index.js';
import { collectionPath, newRunner, nestAppTree, snapshot, typeCheck } from './nest-app.fixture.js';

/** The options `nest g -c nestjs-mcp-auth <schematic> <name>` passes (Nest CLI 12, default nest-cli.json). */
const nestCliOptions = (name: string) => ({
  name,
  collection: 'nestjs-mcp-auth',
  language: 'ts',
  sourceRoot: 'src',
  spec: true,
  flat: false,
  specFileSuffix: 'spec',
  format: false,
});

describe('nest g -c nestjs-mcp-auth tool', () => {
  it('creates the provider, its DTO and a spec in a folder of its own, and registers it in the nearest module', async () => {
    const runner = newRunner();
    const tree = await runner.runSchematic('tool', nestCliOptions('notes/create-note'), nestAppTree({ esm: true }));
    const created = tree.files.filter((file) => file.startsWith('/src/notes/')).sort();
    assert.deepEqual(created, [
      '/src/notes/create-note/create-note.dto.ts',
      '/src/notes/create-note/create-note.tool.spec.ts',
      '/src/notes/create-note/create-note.tool.ts',
    ]);
    const tool = tree.readContent('/src/notes/create-note/create-note.tool.ts');
    assert.match(tool, /export class CreateNoteTool \{/);
    assert.match(tool, /@McpTool\(\{\n    name: 'create-note',/);
    assert.match(tool, /auth: RequireScopes\('notes:write'\),/);
    assert.match(tool, /createNote\(@McpArgs\(\) args: CreateNoteDto, @McpPrincipal\(\) caller: McpPrincipal\)/);
    assert.match(tool, /^import \{ CreateNoteDto \} from '\.\/create-note\.dto\.js';$/m);
    const dto = tree.readContent('/src/notes/create-note/create-note.dto.ts');
    assert.match(dto, /export class CreateNoteDto \{/);
    assert.match(dto, /@IsString\(\)/);
    const spec = tree.readContent('/src/notes/create-note/create-note.tool.spec.ts');
    assert.match(spec, /StreamableHTTPClientTransport/);
    assert.match(spec, /scopes: \['notes:write'\]/);
    assert.match(spec, /app\.listen\(0, '127\.0\.0\.1'\)/);
    const module = tree.readContent('/src/app.module.ts');
    assert.match(module, /^import \{ CreateNoteTool \} from '\.\/notes\/create-note\/create-note\.tool\.js';$/m);
    assert.match(module, /providers: \[AppService, CreateNoteTool\],/);
  });

  it('honours --flat, --spec false and a CommonJS app', async () => {
    const tree = await newRunner().runSchematic(
      'tool',
      { ...nestCliOptions('notes/create-note'), flat: true, spec: false },
      nestAppTree({ esm: false }),
    );
    assert.deepEqual(tree.files.filter((file) => file.startsWith('/src/notes/')).sort(), [
      '/src/notes/create-note.dto.ts',
      '/src/notes/create-note.tool.ts',
    ]);
    assert.match(tree.readContent('/src/notes/create-note.tool.ts'), /^import \{ CreateNoteDto \} from '\.\/create-note\.dto';$/m);
    assert.match(tree.readContent('/src/app.module.ts'), /^import \{ CreateNoteTool \} from '\.\/notes\/create-note\.tool';$/m);
  });

  it('--skip-import leaves the modules alone; the nearest module wins over the root one', async () => {
    const skipped = await newRunner().runSchematic('tool', { ...nestCliOptions('notes/create-note'), skipImport: true }, nestAppTree());
    assert.equal(skipped.readContent('/src/app.module.ts'), nestAppTree().readText('/src/app.module.ts'));

    const app = nestAppTree();
    app.create('/src/notes/notes.module.ts', "import { Module } from '@nestjs/common';\n\n@Module({})\nexport class NotesModule {}\n");
    const tree = await newRunner().runSchematic('tool', nestCliOptions('notes/create-note'), app);
    assert.equal(tree.readContent('/src/app.module.ts'), app.readText('/src/app.module.ts'));
    assert.equal(
      tree.readContent('/src/notes/notes.module.ts'),
      "import { Module } from '@nestjs/common';\nimport { CreateNoteTool } from './create-note/create-note.tool.js';\n\n" +
        '@Module({ providers: [CreateNoteTool] })\nexport class NotesModule {}\n',
    );
  });

  it('derives the scope from the name: <folder>:write for verbs that change things, <folder>:read otherwise', async () => {
    const cases: Array<[string, string]> = [
      ['notes/create-note', "RequireScopes('notes:write')"],
      ['notes/update-note', "RequireScopes('notes:write')"],
      ['notes/delete-note', "RequireScopes('notes:write')"],
      ['notes/list-notes', "RequireScopes('notes:read')"],
      ['notes/search', "RequireScopes('notes:read')"],
      ['billing/invoices/send-invoice', "RequireScopes('invoices:write')"],
      ['create-note', "RequireScopes('note:write')"],
      ['weather', "RequireScopes('weather:read')"],
    ];
    for (const [name, check] of cases) {
      const tree = await newRunner().runSchematic('tool', { name, flat: true, spec: false, skipImport: true }, nestAppTree());
      const file = tree.files.find((path) => path.endsWith('.tool.ts'))!;
      assert.ok(tree.readContent(file).includes(`auth: ${check},`), `${name} → ${check}`);
    }
  });

  it('--scopes (schematics CLI) replaces the default; "none" asks for any authenticated caller', async () => {
    const scoped = await newRunner().runSchematic('tool', { name: 'notes/archive', scopes: 'notes:admin, audit:write', flat: true }, nestAppTree());
    assert.match(scoped.readContent('/src/notes/archive.tool.ts'), /auth: RequireScopes\('notes:admin', 'audit:write'\),/);
    assert.match(scoped.readContent('/src/notes/archive.tool.spec.ts'), /scopes: \['notes:admin', 'audit:write'\]/);
    const open = await newRunner().runSchematic('tool', { name: 'ping', scopes: 'none', flat: true, description: "Answer 'pong'." }, nestAppTree());
    const tool = open.readContent('/src/ping.tool.ts');
    assert.match(tool, /auth: RequireAuth\(\),/);
    assert.match(tool, /description: 'Answer \\'pong\\'\.',/);
    assert.doesNotMatch(open.readContent('/src/ping.tool.spec.ts'), /stays hidden/);
  });

  it('gives the development token of nest add every scope the generated components ask for, once each', async () => {
    let tree = await newRunner().runSchematic('nest-add', {}, nestAppTree());
    tree = await newRunner().runSchematic('tool', nestCliOptions('notes/create-note'), tree);
    tree = await newRunner().runSchematic('tool', nestCliOptions('notes/delete-note'), tree);
    tree = await newRunner().runSchematic('prompt', nestCliOptions('notes/summarize-note'), tree);
    assert.match(tree.readContent('/src/mcp/mcp.options.ts'), /export const MCP_DEV_SCOPES: string\[\] = \['notes:write', 'notes:read'\];/);
  });

  it('running it again changes nothing; a file changed since is never overwritten', async () => {
    const tree = await newRunner().runSchematic('tool', nestCliOptions('notes/create-note'), nestAppTree());
    const before = snapshot(tree);
    assert.deepEqual(snapshot(await newRunner().runSchematic('tool', nestCliOptions('notes/create-note'), tree)), before);
    tree.overwrite('/src/notes/create-note/create-note.tool.ts', '// edited\n');
    await assert.rejects(
      newRunner().runSchematic('tool', nestCliOptions('notes/create-note'), tree),
      /A merge conflicted on path "\/src\/notes\/create-note\/create-note\.tool\.ts"/,
    );
  });
});

describe('nest g -c nestjs-mcp-auth resource, resource-template, prompt', () => {
  it('resource: a fixed URI from the folder and name, read scope', async () => {
    const tree = await newRunner().runSchematic('resource', nestCliOptions('notes/index'), nestAppTree());
    const resource = tree.readContent('/src/notes/index/index.resource.ts');
    assert.match(resource, /export class IndexResource \{/);
    assert.match(resource, /@McpResource\(\{\n    uri: 'notes:\/\/index',\n    name: 'index',/);
    assert.match(resource, /auth: RequireScopes\('notes:read'\),/);
    assert.equal(tree.exists('/src/notes/index/index.dto.ts'), false);
    assert.match(tree.readContent('/src/notes/index/index.resource.spec.ts'), /readResource\(\{ uri: 'notes:\/\/index' \}\)/);
    assert.match(tree.readContent('/src/app.module.ts'), /providers: \[AppService, IndexResource\],/);
  });

  it('resource-template: a URI template with a validated variable; --uri sets another', async () => {
    const tree = await newRunner().runSchematic('resource-template', nestCliOptions('notes/note'), nestAppTree());
    assert.match(tree.readContent('/src/notes/note/note.resource-template.ts'), /uriTemplate: 'notes:\/\/note\/\{id\}',/);
    assert.match(tree.readContent('/src/notes/note/note.dto.ts'), /@IsString\(\)\n  @IsNotEmpty\(\)\n  @MaxLength\(200\)\n  id: string;/);
    assert.match(tree.readContent('/src/notes/note/note.resource-template.spec.ts'), /readResource\(\{ uri: 'notes:\/\/note\/42' \}\)/);

    const custom = await newRunner().runSchematic(
      'resource-template',
      { name: 'files/file', uri: 'files://{folder}/{name}', flat: true },
      nestAppTree(),
    );
    const dto = custom.readContent('/src/files/file.dto.ts');
    assert.match(dto, /folder: string;/);
    assert.match(dto, /name: string;/);
  });

  it('prompt: a method returning the message, its DTO and a spec, read scope', async () => {
    const tree = await newRunner().runSchematic('prompt', nestCliOptions('notes/summarize-note'), nestAppTree());
    const prompt = tree.readContent('/src/notes/summarize-note/summarize-note.prompt.ts');
    assert.match(prompt, /export class SummarizeNotePrompt \{/);
    assert.match(prompt, /@McpPrompt\(\{\n    name: 'summarize-note',/);
    assert.match(prompt, /auth: RequireScopes\('notes:read'\),/);
    assert.match(prompt, /summarizeNote\(@McpArgs\(\) args: SummarizeNoteDto\): string/);
    assert.match(tree.readContent('/src/app.module.ts'), /providers: \[AppService, SummarizeNotePrompt\],/);
  });

  it('every generated file compiles, in ESM and CommonJS apps', async () => {
    for (const esm of [true, false]) {
      let tree = await newRunner().runSchematic('nest-add', {}, nestAppTree({ esm }));
      tree = await newRunner().runSchematic('resource', nestCliOptions('notes/index'), tree);
      tree = await newRunner().runSchematic('resource-template', nestCliOptions('notes/note'), tree);
      tree = await newRunner().runSchematic('prompt', { ...nestCliOptions('notes/summarize-note'), flat: true }, tree);
      tree = await newRunner().runSchematic('tool', { ...nestCliOptions('ping'), scopes: 'none' }, tree);
      assert.equal(typeCheck(tree), '', esm ? 'ESM app' : 'CommonJS app');
    }
  });
});

describe('generator input checks', () => {
  const refuses = async (schematic: string, options: Record<string, unknown>, message: string | RegExp) => {
    await assert.rejects(newRunner().runSchematic(schematic, options, nestAppTree()), typeof message === 'string' ? { message } : message);
  };

  it('refuses names that cannot become files, classes and MCP names', async () => {
    await refuses('tool', { name: '' }, 'A name is required, e.g. "nest g -c nestjs-mcp-auth tool notes/create-note".');
    await refuses(
      'tool',
      { name: 'notes/2fa' },
      'Invalid name "notes/2fa": "2fa" must start with a letter and contain only letters, digits and dashes (e.g. notes/create-note).',
    );
    await refuses(
      'prompt',
      { name: 'notes/summarize.note' },
      'Invalid name "notes/summarize.note": "summarize.note" must start with a letter and contain only letters, digits and dashes (e.g. notes/summarize-note).',
    );
    await refuses('tool', { name: '../outside' }, /Invalid name "\.\.\/outside": "\.\." must start with a letter/);
    await refuses('resource', { name: 'notes/constructor' }, 'Invalid name "notes/constructor": "constructor" is reserved in JavaScript classes.');
    await refuses('tool', { name: 'create_note!' }, /Invalid name "create_note!"/);
  });

  it('accepts the camelCase or spaces the schematics CLI passes unchanged', async () => {
    const tree = await newRunner().runSchematic('tool', { name: 'notes/createNote', flat: true }, nestAppTree());
    assert.ok(tree.exists('/src/notes/create-note.tool.ts'));
    const spaced = await newRunner().runSchematic('tool', { name: 'notes/list notes', flat: true }, nestAppTree());
    assert.ok(spaced.exists('/src/notes/list-notes.tool.ts'));
  });

  it('refuses bad scopes, URIs, paths, languages and unknown options', async () => {
    await refuses(
      'tool',
      { name: 'notes/create-note', scopes: 'notes:"write"' },
      'Invalid scope "notes:"write"": a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3), e.g. notes:write.',
    );
    await refuses('resource', { name: 'notes/index', uri: 'not a uri' }, 'Invalid URI "not a uri": use scheme://path without spaces or braces, e.g. notes://index.');
    await refuses('resource-template', { name: 'notes/note', uri: 'notes://fixed' }, /Invalid URI template "notes:\/\/fixed"/);
    await refuses('tool', { name: 'notes/create-note', path: '../elsewhere' }, /Invalid path "\.\.\/elsewhere"/);
    await refuses('tool', { name: 'notes/create-note', language: 'js' }, /generate TypeScript only/);
    await refuses('tool', { name: 'notes/create-note', scope: 'notes:write' }, /Unknown option "scope"\. Valid options are: name, path, scopes,/);
  });
});

describe('dry run', () => {
  it('reports what would change and writes nothing (NodeWorkflow with dryRun, as --dry-run does)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-schematics-dry-'));
    try {
      const app = nestAppTree();
      app.visit((path) => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), app.readText(path));
      });
      const before = readFileSync(join(dir, 'src/app.module.ts'), 'utf8');
      const events: string[] = [];
      const run = async (schematic: string, options: object) => {
        const workflow = new NodeWorkflow(dir, { dryRun: true, resolvePaths: [dir] });
        workflow.reporter.subscribe((event) => events.push(`${event.kind} ${event.path}`));
        await workflow.execute({ collection: collectionPath, schematic, options }).toPromise();
      };
      await run('tool', { name: 'notes/create-note' });
      assert.deepEqual(events.sort(), [
        'create /src/notes/create-note/create-note.dto.ts',
        'create /src/notes/create-note/create-note.tool.spec.ts',
        'create /src/notes/create-note/create-note.tool.ts',
        'update /src/app.module.ts',
      ]);
      events.length = 0;
      await run('nest-add', { skipInstall: true });
      assert.deepEqual(events.sort(), [
        'create /src/mcp/mcp.options.ts',
        'create /src/mcp/whoami.tool.ts',
        'update /package.json',
        'update /src/app.module.ts',
      ]);
      assert.equal(existsSync(join(dir, 'src/notes')), false);
      assert.equal(existsSync(join(dir, 'src/mcp')), false);
      assert.equal(readFileSync(join(dir, 'src/app.module.ts'), 'utf8'), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same run without dryRun writes those files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-schematics-write-'));
    try {
      const app = nestAppTree();
      app.visit((path) => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), app.readText(path));
      });
      const workflow = new NodeWorkflow(dir, { dryRun: false, resolvePaths: [dir] });
      await workflow.execute({ collection: collectionPath, schematic: 'tool', options: { name: 'notes/create-note' } }).toPromise();
      assert.ok(existsSync(join(dir, 'src/notes/create-note/create-note.tool.ts')));
      assert.match(readFileSync(join(dir, 'src/app.module.ts'), 'utf8'), /CreateNoteTool/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

