// npm start / npm run start:stdio: installs the dependencies when they are missing, builds the library (dist/) and the
// sample (build/sample/) only, incrementally, then runs the sample entry in this process. Progress goes to stderr:
// over stdio, stdout belongs to the protocol.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = process.argv[2] ?? 'main';
const say = (line) => process.stderr.write(`${line}\n`);
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' }).status;

if (!existsSync(join(root, 'node_modules/typescript/package.json')) || !existsSync(join(root, 'node_modules/@nestjs/core/package.json'))) {
  const install = existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install';
  say(`Installing dependencies (npm ${install})…`);
  if (run('npm', [install, '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

const started = Date.now();
say('Building library and sample…');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
if (run(process.execPath, [tsc, '-b', 'tsconfig.start.json', 'tsconfig.sample.json']) !== 0) {
  say('The build failed: see the errors above.');
  process.exit(1);
}
say(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s; starting build/sample/${entry}.js`);
await import(pathToFileURL(join(root, 'build/sample', `${entry}.js`)).href);
