#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) against the
// fixture server in test/conformance/server.ts, once per protocol revision, and checks the result against the
// baseline in test/conformance/expected-failures.yml.
//
//   npm run conformance                          both revisions
//   npm run conformance -- --spec 2026-07-28     one revision
//   npm run conformance -- --url http://127.0.0.1:3000/mcp   an already running server (no build, no start)
//   npm run conformance -- --scenario tools-list --spec 2025-11-25   one scenario (no baseline check)
//   npm run conformance -- --print-baseline      also print today's failures as expected-failures.yml entries
//
// Environment: CONFORMANCE_RUNNER (the runner's npm version, default below), CONFORMANCE_PORT (fixture port,
// default 0 = any free one), CONFORMANCE_TIMEOUT_MS (per revision, default 15 min).
//
// The runner needs Node >= 22; it is run with Node 22 from the npm registry (`npx -p node@22`), whatever Node
// runs this script. Each revision runs exactly what the suite's frozen requirement set for it names
// (`--requirements <revision>`), at that revision's wire: initialize and sessions for 2025-11-25, the per-request
// `_meta` envelope for 2026-07-28. Only scored scenarios decide the exit code; the "not scored" ones (extensions,
// scenarios pending in the suite) are run and reported for visibility.
//
// Exit code: 0 when every revision fails exactly its baselined scenarios/checks; 1 on an unexpected failure or a
// stale baseline entry (something listed there now passes: remove it); 2 when the run itself could not happen.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER_VERSION = process.env.CONFORMANCE_RUNNER ?? '0.2.0-alpha.12';
const NODE_FOR_RUNNER = 'node@22';
const REVISIONS = ['2025-11-25', '2026-07-28'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'test', 'conformance');
const outRoot = join(root, '.conformance');
const baselinePath = join(here, 'expected-failures.yml');
const serverEntry = join(root, 'build', 'test', 'conformance', 'server.js');

// ---------- arguments ----------
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const flag = (name) => argv.includes(`--${name}`);
if (flag('help')) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 22).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const revisions = (opt('spec') ?? REVISIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const revision of revisions) if (!REVISIONS.includes(revision)) fail(`unknown --spec ${revision} (one of ${REVISIONS.join(', ')})`);
const scenario = opt('scenario');
const externalUrl = opt('url');
const timeoutMs = Number(process.env.CONFORMANCE_TIMEOUT_MS ?? 15 * 60_000);

function fail(message) {
  console.error(`conformance: ${message}`);
  process.exit(2);
}

// ---------- build if needed ----------
function newestMtime(dir, test) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, test));
    else if (test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const built = [serverEntry, join(root, 'dist', 'index.js')];
  const builtAt = built.every(existsSync) ? Math.min(...built.map((p) => statSync(p).mtimeMs)) : 0;
  const ts = (name) => name.endsWith('.ts');
  const sourcesAt = Math.max(newestMtime(join(root, 'src'), ts), newestMtime(here, ts), statSync(join(root, 'package.json')).mtimeMs);
  if (builtAt >= sourcesAt) return;
  console.log('conformance: building (npm run build:all)…');
  const result = spawnSync('npm', ['run', 'build:all'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('the build failed');
}

// ---------- the fixture server ----------
function startServer(logPath) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [serverEntry], {
      cwd: root,
      env: { ...process.env, PORT: process.env.CONFORMANCE_PORT ?? '0', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`the fixture server did not start within 30 s:\n${log}`)), 30_000);
    const onData = (chunk) => {
      log += chunk;
      const match = /MCP_CONFORMANCE_URL=(\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (log += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      writeFileSync(logPath, log);
      reject(new Error(`the fixture server exited (code ${code}):\n${log}`));
    });
    process.on('exit', () => {
      writeFileSync(logPath, log);
      child.kill('SIGTERM');
    });
  });
}

// ---------- the baseline ----------
/** Reads expected-failures.yml: `<revision>:` → `server:` → `- <scenario>` or `- <scenario>:<check-id>`. */
function readBaseline() {
  const baseline = Object.fromEntries(REVISIONS.map((r) => [r, []]));
  if (!existsSync(baselinePath)) return baseline;
  let revision;
  for (const [index, raw] of readFileSync(baselinePath, 'utf8').split('\n').entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    let match;
    if ((match = /^'?"?(\d{4}-\d{2}-\d{2})'?"?:$/.exec(line))) revision = match[1];
    else if (/^\s+server:(\s*\[\])?$/.test(line)) continue;
    else if ((match = /^\s+-\s+(\S+)$/.exec(line)) && revision && baseline[revision]) baseline[revision].push(match[1]);
    else fail(`${relative(root, baselinePath)}:${index + 1}: cannot read "${raw.trim()}"`);
  }
  return baseline;
}

// ---------- one revision ----------
function runRunner(revision, url, outDir, baselineFile) {
  const args = ['-y', '-p', NODE_FOR_RUNNER, '-p', `@modelcontextprotocol/conformance@${RUNNER_VERSION}`, 'conformance', 'server', '--url', url, '-o', outDir];
  if (scenario) args.push('--scenario', scenario, '--spec-version', revision);
  else args.push('--requirements', revision, '--expected-failures', baselineFile);
  return new Promise((resolvePromise) => {
    const child = spawn('npx', args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 124 : 2), output: output.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

/** The scenarios' results from the runner's output directory: `server-<scenario>-<timestamp>/checks.json`. */
function readResults(outDir) {
  const results = new Map();
  for (const entry of readdirSync(outDir, { withFileTypes: true })) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry.name);
    if (!entry.isDirectory() || !match) continue;
    const file = join(outDir, entry.name, 'checks.json');
    if (!existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, 'utf8'));
    const failing = checks.filter((c) => c.status === 'FAILURE');
    results.set(match[1], { checks, failing });
  }
  return results;
}

/** The server scenarios the revision's frozen requirement set scores (`conformance list --requirements`). */
async function scoredScenarios(revision) {
  const args = ['-y', '-p', NODE_FOR_RUNNER, '-p', `@modelcontextprotocol/conformance@${RUNNER_VERSION}`, 'conformance', 'list', '--requirements', revision];
  const result = spawnSync('npx', args, { cwd: outRoot, encoding: 'utf8' });
  const section = (result.stdout ?? '').split(/^Server scenarios.*$/m)[1]?.split(/^Client scenarios/m)[0] ?? '';
  const names = [...section.matchAll(/^\s+-\s+(\S+)/gm)].map((m) => m[1]);
  if (!names.length) fail(`could not read the ${revision} requirement set:\n${result.stdout}${result.stderr}`);
  return new Set(names);
}

// The runner's baseline treats a WARNING (a SHOULD not met) like a FAILURE: it must be baselined too.
const isFailing = (check) => check.status === 'FAILURE' || check.status === 'WARNING';
const oneLine = (text, max = 240) => (text ?? '').replace(/\s+/g, ' ').slice(0, max);

function summarize(revision, results, scoredSet, expected) {
  const all = [...results].sort(([a], [b]) => a.localeCompare(b));
  const scored = all.filter(([name]) => !scoredSet || scoredSet.has(name));
  const extra = all.filter(([name]) => scoredSet && !scoredSet.has(name));
  // A scenario passes when none of its checks fails (as the runner counts it); warnings are listed apart.
  const passes = ([, r]) => !r.checks.some((c) => c.status === 'FAILURE');
  const lines = [`\n== ${revision} (runner ${RUNNER_VERSION}) ==`, `scored: ${scored.filter(passes).length}/${scored.length} scenarios pass`];
  if (extra.length) lines.push(`not scored (extensions, pending in the suite, added after the revision): ${extra.filter(passes).length}/${extra.length} pass`);
  const wholesale = new Set(expected.filter((e) => !e.includes(':')));
  const perCheck = new Set(expected.filter((e) => e.includes(':')));
  const unexpected = [];
  const stale = [];
  for (const [name, result] of scored) {
    const bad = result.checks.filter(isFailing);
    if (wholesale.has(name)) {
      if (!bad.length) stale.push(name);
      continue;
    }
    for (const check of bad) if (!perCheck.has(`${name}:${check.id}`)) unexpected.push(`${name}:${check.id}`);
  }
  for (const entry of perCheck) {
    const name = entry.slice(0, entry.indexOf(':'));
    const id = entry.slice(entry.indexOf(':') + 1);
    const statuses = (results.get(name)?.checks ?? []).filter((c) => c.id === id).map((c) => c.status);
    if (statuses.length && statuses.every((s) => s === 'SUCCESS')) stale.push(entry);
  }
  const describe = (title, list) => {
    if (!list.length) return;
    lines.push(title);
    for (const [name, result] of list) {
      const bad = result.checks.filter(isFailing);
      const first = bad.find((c) => c.status === 'FAILURE') ?? bad[0];
      const more = bad.length > 1 ? ` (+${bad.length - 1} more)` : '';
      const kind = first.status === 'WARNING' ? ' [warning: SHOULD]' : '';
      lines.push(`  ✗ ${name}: ${first.id}${kind}: ${oneLine(first.errorMessage)}${more}`);
    }
  };
  describe('failing or warning (scored):', scored.filter(([, r]) => r.checks.some(isFailing)));
  describe('failing or warning (not scored):', extra.filter(([, r]) => r.checks.some(isFailing)));
  if (unexpected.length) lines.push('unexpected (not in expected-failures.yml):', ...unexpected.map((e) => `  ! ${e}`));
  if (stale.length) lines.push('stale baseline entries (now passing: remove them):', ...stale.map((e) => `  ~ ${e}`));
  if (flag('print-baseline')) {
    const entries = scored.flatMap(([name, r]) => [...new Set(r.checks.filter(isFailing).map((c) => `${name}:${c.id}`))]);
    lines.push(`baseline entries for ${revision}:`, `${revision}:`, '  server:', ...entries.map((e) => `    - ${e}`));
  }
  return { text: lines.join('\n'), unexpected, stale, scoredPassed: scored.filter(passes).length, scoredTotal: scored.length };
}

// ---------- main ----------
async function main() {
  mkdirSync(outRoot, { recursive: true });
  let url = externalUrl;
  if (!url) {
    buildIfNeeded();
    ({ url } = await startServer(join(outRoot, 'server.log')).catch((error) => fail(error.message)));
  }
  console.log(`conformance: server ${url}; runner @modelcontextprotocol/conformance@${RUNNER_VERSION} on ${NODE_FOR_RUNNER}`);
  const baseline = readBaseline();
  let exitCode = 0;
  const reports = [];
  for (const revision of revisions) {
    const outDir = join(outRoot, revision);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const baselineFile = join(outDir, 'expected-failures.yml');
    // The runner's own format, for this revision alone.
    const entries = baseline[revision];
    writeFileSync(baselineFile, entries.length ? `server:\n${entries.map((e) => `  - ${e}\n`).join('')}` : 'server: []\n');
    console.log(`conformance: running ${scenario ?? `the ${revision} requirement set`}…`);
    const started = Date.now();
    const { code, output } = await runRunner(revision, url, outDir, baselineFile);
    writeFileSync(join(outDir, 'runner.log'), output);
    const results = readResults(outDir);
    if (results.size === 0) {
      console.error(output.split('\n').filter((l) => !l.startsWith('npm warn')).slice(-40).join('\n'));
      fail(`the runner produced no results for ${revision} (exit ${code}); see ${relative(root, join(outDir, 'runner.log'))}`);
    }
    const report = summarize(revision, results, scenario ? undefined : await scoredScenarios(revision), scenario ? [] : baseline[revision]);
    reports.push(report);
    console.log(`${report.text}\n(${Math.round((Date.now() - started) / 1000)} s; runner exit ${code}; details in ${relative(root, outDir)}/)`);
    // The runner is the authority on the baseline; our own comparison only explains it.
    if (!scenario && (code !== 0 || report.unexpected.length || report.stale.length)) exitCode = 1;
  }
  console.log(`\nconformance: ${reports.map((r, i) => `${revisions[i]} ${r.scoredPassed}/${r.scoredTotal}`).join(', ')} scored scenarios pass — ${exitCode === 0 ? 'matches the baseline' : 'DOES NOT match the baseline'}`);
  process.exit(exitCode);
}

main().catch((error) => fail(error.stack ?? String(error)));
