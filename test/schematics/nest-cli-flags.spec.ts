import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { nestAppTree, packageRoot } from './nest-app.fixture.js';

/**
 * Which flags reach the schematics when the real Nest CLI (`nest add`, `nest g`) runs them, in an app on disk whose
 * node_modules/nestjs-mcp-auth is this package. Nothing is installed: `nest add` runs with `--skip-install` and
 * `--dry-run`, so the flags are seen in what the schematic prints.
 */

const require = createRequire(import.meta.url);
const NEST = require.resolve('@nestjs/cli/bin/nest.js');
const SCHEMATICS = require.resolve('@angular-devkit/schematics-cli/bin/schematics.js');

let app: string;

async function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: app, env: { ...process.env, CI: 'true' }, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
const nest = (...args: string[]) => run(NEST, args);
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

before(() => {
  // Inside the repository (as typeCheck's apps are), so the CLI and schematics resolve from its node_modules.
  const scratch = join(packageRoot, '.build-schematics-tmp');
  mkdirSync(scratch, { recursive: true });
  app = mkdtempSync(join(scratch, 'cli-flags-'));
  const tree = nestAppTree();
  tree.visit((path) => {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), tree.readText(path));
  });
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(packageRoot, join(app, 'node_modules', 'nestjs-mcp-auth'), 'dir');
});
after(() => rmSync(app, { recursive: true, force: true }));

describe('nest add nestjs-mcp-auth: the flags the Nest CLI passes on', () => {
  it('--skip-install skips the CLI\'s own installation and reaches the schematic, which installs nothing either', async () => {
    const { code, output } = await nest('add', 'nestjs-mcp-auth', '--skip-install', '--auth', 'static', '--skip-sample', '--dry-run');
    assert.equal(code, 0, output);
    const text = plain(output);
    assert.match(text, /Added to package\.json: nestjs-mcp-auth@\^[\d.]+, class-validator@[^,]+, class-transformer@[^,]+, @modelcontextprotocol\/sdk@[^ ]+\. Run your package manager's install\./);
    assert.match(text, /Callers authenticate with the static development token/, '--auth static arrived');
    assert.doesNotMatch(text, /CREATE src\/mcp\/whoami\.tool\.ts/, '--skip-sample arrived');
    assert.match(text, /Dry run enabled/);
  });

  it('-s is kept by the Nest CLI: the schematic installs, and says how to skip it', async () => {
    const { code, output } = await nest('add', 'nestjs-mcp-auth', '-s', '--auth', 'static', '--dry-run');
    assert.equal(code, 0, output);
    assert.match(plain(output), /Added to package\.json and installing: .*\(to skip the installation, pass --skip-install in full; -s is not passed on by the Nest CLI\)\./);
  });
});

describe('nest g -c nestjs-mcp-auth: what the hint names works', () => {
  it('nest g refuses --scopes', async () => {
    const { code, output } = await nest('g', '-c', 'nestjs-mcp-auth', 'tool', 'notes/archive-note', '--scopes', 'notes:admin', '--dry-run');
    assert.notEqual(code, 0);
    assert.match(plain(output), /unknown option '--scopes'/);
  });

  it('without --scopes it names the derived scope and a command that takes --scopes; that command works as printed', async () => {
    const { code, output } = await nest('g', '-c', 'nestjs-mcp-auth', 'tool', 'notes/archive-note', '--dry-run');
    assert.equal(code, 0, output);
    const hint = /For other scopes, answer the prompt nest g shows in a terminal, or run: (npx @angular-devkit\/schematics-cli (.+) --scopes <scope,scope>)/.exec(plain(output));
    assert.ok(hint, plain(output));
    assert.match(plain(output), /archive-note asks for the scope notes:write \(derived from the name\)/);
    assert.doesNotMatch(hint[1], /nest g/);
    // The printed command, with the schematics CLI the Nest CLI brings along in place of npx's lookup of it.
    const args = hint[2].split(' ');
    assert.deepEqual(args, ['nestjs-mcp-auth:tool', 'notes/archive-note']);
    const generated = await run(SCHEMATICS, [...args, '--scopes', 'notes:admin,audit:write']);
    assert.equal(generated.code, 0, generated.output);
    const tool = readFileSync(join(app, 'src/notes/archive-note/archive-note.tool.ts'), 'utf8');
    assert.match(tool, /auth: RequireScopes\('notes:admin', 'audit:write'\),/);
  });
});
