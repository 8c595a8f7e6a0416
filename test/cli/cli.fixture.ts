import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * The environment for npm, the Nest CLI and the apps: the caller's, without what `npm run` adds about this
 * repository (so a nested npm works on the app, not here), non-interactive, preferring the local npm cache.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

export interface RunResult {
  /** stdout and stderr as they came. */
  output: string;
  stdout: string;
  seconds: number;
}

/** Runs a command to its end; rejects with the command and the end of its output when it fails. */
export function run(command: string, args: string[], cwd: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      // Colours are left out (the CLIs colour even with NO_COLOR set).
      output = output.replace(/\x1b\[[0-9;]*m/g, '');
      if (code === 0) resolve({ output, stdout, seconds });
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) ended with ${signal ?? `exit code ${code}`}:\n${output.slice(-6000)}`));
    });
  });
}

/** A port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a Node entry of the app and resolves once it prints `LISTENING <url>`. */
export function startApp(cwd: string, entry: string, env: Record<string, string>): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [entry], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let settled = false;
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    const timer = setTimeout(() => {
      settled = true;
      void stop();
      reject(new Error(`${entry} did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\S+)/.exec(output);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${signal ?? `code ${code}`} before listening:\n${output}`));
    });
  });
}

/** Runs `body` with an SDK client connected to the endpoint with a bearer token. */
export async function withClient<T>(url: string, token: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: 'scaffold-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

/** Hashes of every file under the given paths of an app (node_modules and dist left out), to see what changed. */
export function fingerprint(root: string, paths: string[]): Map<string, string> {
  const hashes = new Map<string, string>();
  const visit = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'dist') visit(join(path, entry));
    } else {
      hashes.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  for (const path of paths) visit(join(root, path));
  return hashes;
}
