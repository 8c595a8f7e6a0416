import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

/**
 * The MCP Inspector commands of docs/inspector.md, run as written against the sample (the URL's port aside). Slow the
 * first time (npx downloads the Inspector); skipped, saying why, when the npm registry cannot be reached.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCUMENTED_URL = 'http://127.0.0.1:3000/mcp';
const exec = promisify(execFile);

/** The `npx … @modelcontextprotocol/inspector@…` lines of the doc's sh blocks. */
function documentedCommands(): string[] {
  const doc = readFileSync(`${ROOT}docs/inspector.md`, 'utf8');
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.flatMap((block) => block.split('\n')).filter((line) => line.startsWith('npx -y @modelcontextprotocol/inspector@') && line.includes('--cli'));
}

/** Why the registry cannot be used, or undefined when it answers. */
async function registryProblem(spec: string): Promise<string | undefined> {
  try {
    await exec('npm', ['view', spec, 'version'], { timeout: 30_000 });
    return undefined;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    return (failed.stderr || failed.message).trim().split('\n').slice(0, 3).join(' ');
  }
}

describe('MCP Inspector, as docs/inspector.md says to run it', () => {
  const commands = documentedCommands();
  let sample: ChildProcess | undefined;
  let url = '';
  let skip: string | undefined;

  before(async () => {
    assert.equal(commands.length, 3, `three Inspector commands in docs/inspector.md: ${commands.join('\n')}`);
    const spec = /(@modelcontextprotocol\/inspector@\S+)/.exec(commands[0])![1];
    assert.ok(commands.every((command) => command.includes(spec)), 'every command names the same release');
    skip = await registryProblem(spec);
    if (skip) return;
    // The sample on a free loopback port; its startup line says where.
    sample = spawn(process.execPath, ['build/sample/main.js'], { cwd: ROOT, env: { ...process.env, PORT: '0', NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    sample.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 30_000;
    while (!/MCP server notes \S+ at (http:\/\/127\.0\.0\.1:\d+\/mcp) /.test(output)) {
      assert.ok(Date.now() < deadline && sample.exitCode === null, `the sample did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    url = /MCP server notes \S+ at (http:\/\/127\.0\.0\.1:\d+\/mcp) /.exec(output)![1];
  });
  after(async () => {
    if (sample && sample.exitCode === null) {
      sample.kill('SIGTERM');
      await once(sample, 'exit');
    }
  });

  const run = async (command: string) => {
    const { stdout } = await exec('sh', ['-c', command.replace(DOCUMENTED_URL, url)], { cwd: ROOT, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('tools/list over Streamable HTTP with the bearer header', { timeout: 300_000 }, async (t) => {
    if (skip) return t.skip(`the npm registry cannot be reached: ${skip}`);
    const listed = await run(commands[0]);
    assert.deepEqual(listed.tools.map((tool: { name: string }) => tool.name).sort(), ['create-note', 'delete-note', 'list-notes']);
  });

  it('tools/call over Streamable HTTP', { timeout: 300_000 }, async (t) => {
    if (skip) return t.skip(`the npm registry cannot be reached: ${skip}`);
    const called = await run(commands[1]);
    assert.equal(called.structuredContent.title, 'Hello');
  });

  it('tools/list over stdio', { timeout: 300_000 }, async (t) => {
    if (skip) return t.skip(`the npm registry cannot be reached: ${skip}`);
    const listed = await run(commands[2]);
    assert.deepEqual(listed.tools.map((tool: { name: string }) => tool.name).sort(), ['create-note', 'delete-note', 'list-notes']);
  });
});
