import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a server script in its own node process and waits for the {"port": n} line it prints. */
export function startServer(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${script} ${args.join(' ')} did not report its port within 60 s`)), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${script} ${args.join(' ')} exited early (code ${code})`)));
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      lines.close();
      child.stdout!.resume();
      try {
        resolve({ port: (JSON.parse(line) as { port: number }).port, pid: child.pid!, stop: () => stop(child) });
      } catch {
        fail(new Error(`${script} printed ${line} instead of {"port": n}`));
      }
    });
  });
}

/** SIGTERM (servers exit normally, so --cpu-prof writes its profile), SIGKILL after 10 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs a script to completion and parses the JSON of the last line it printed. */
export function runJson<T>(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with code ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${out.slice(0, 500)}`));
      }
    });
  });
}
