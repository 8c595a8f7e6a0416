import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

/**
 * The argument-validation shortcut mirrors class-validator's own executor, and our peer range includes class-validator
 * 0.14 while the project installs 0.15. The shortcut's differential tests therefore also run against 0.14 (installed
 * as the `class-validator-0.14` alias): in a temporary tree where `class-validator` is that older package and every
 * other dependency is the project's own.
 */

const built = fileURLToPath(new URL('../../', import.meta.url)); // the compiled tree: src/ and test/ side by side
const modules = resolve(built, '..', 'node_modules');
const OLDER = 'class-validator-0.14';
const SPECS = [
  'test/unit/validation-shortcut.spec.js',
  'test/unit/validation-shortcut.property.spec.js',
  'test/unit/validation-shortcut.records.spec.js',
  'test/unit/arguments-validator.spec.js',
];
/** Modules the specs import beside the sources. */
const HELPERS = ['test/unit/validation-shortcut.fixtures.js', 'test/unit/validation-shortcut-kinds.fixtures.js'];

describe('the validation shortcut on class-validator 0.14', () => {
  const tree = mkdtempSync(join(tmpdir(), 'mcp-cv014-'));
  after(() => rmSync(tree, { recursive: true, force: true }));

  it('passes the same differential tests', () => {
    assert.ok(existsSync(join(modules, OLDER)), `the ${OLDER} alias is a devDependency: run npm install`);
    mkdirSync(join(tree, 'node_modules'));
    for (const name of readdirSync(modules)) {
      if (name === OLDER || name === 'class-validator') continue;
      symlinkSync(join(modules, name), join(tree, 'node_modules', name));
    }
    symlinkSync(join(modules, OLDER), join(tree, 'node_modules', 'class-validator'));
    cpSync(join(built, 'src'), join(tree, 'src'), { recursive: true });
    for (const file of [...SPECS, ...HELPERS]) cpSync(join(built, file), join(tree, file), { recursive: true });
    writeFileSync(join(tree, 'package.json'), JSON.stringify({ type: 'module' }));

    const version = spawnSync(process.execPath, ['-p', "require('class-validator/package.json').version"], { cwd: tree, encoding: 'utf8' });
    assert.match(version.stdout.trim(), /^0\.14\./, 'the tree resolves class-validator to the older release');

    // Without the parent runner's NODE_TEST_CONTEXT the child reports in plain TAP rather than to this runner.
    const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--test', ...SPECS], { cwd: tree, encoding: 'utf8', timeout: 120_000, env });
    const summary = run.stdout.split('\n').filter((line) => /^# (tests|pass|fail)/.test(line));
    assert.equal(run.status, 0, `${summary.join(', ')}\n${run.stdout.slice(-4000)}${run.stderr.slice(-2000)}`);
    assert.ok(summary.includes('# fail 0') && summary.some((line) => /^# pass [1-9]/.test(line)), summary.join(', '));
  });
});
