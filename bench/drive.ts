import autocannon from 'autocannon';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './lib/cpu.js';
import { watchRss, type MemoryUsage } from './lib/memory.js';

/**
 * The load driver, run in its own process so it never shares an event loop with the server: argv[2] is a JSON
 * DriveSpec. Runs an unmeasured warm-up, then the measured run, and prints one JSON DriveResult on stdout.
 */
export interface DriveSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Seconds of unmeasured load first (JIT, pools); 0 for none. */
  warmup: number;
  /** The server's process id, for CPU and memory accounting. */
  serverPid?: number;
}

export interface DriveResult {
  /** Mean of the per-second request counts. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU use during the measured run: server, driver, and everything else on the machine. */
  cpu: CpuUsage;
  /** The server's peak RSS during the measured run. */
  memory: MemoryUsage;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as DriveSpec;
const options = {
  url: spec.url,
  method: 'POST' as const,
  headers: spec.headers,
  body: spec.body,
  connections: spec.connections,
  pipelining: 1,
};

if (spec.warmup > 0) await autocannon({ ...options, duration: spec.warmup });
const before = cpuSnapshot(spec.serverPid);
const rss = watchRss(spec.serverPid);
const r = await autocannon({ ...options, duration: spec.duration });
const memory = rss.stop();
const cpu = cpuUsage(before, cpuSnapshot(spec.serverPid));
const result: DriveResult = {
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  requests: r.requests.total,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  cpu,
  memory,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
