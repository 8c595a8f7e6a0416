import { readFileSync } from 'node:fs';

/**
 * CPU accounting from /proc (Linux; every figure is undefined elsewhere), so a result can say whether the
 * server was saturated and whether something outside the benchmark was using the machine meanwhile.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Cores used by other processes during a measurement above which it is flagged as disturbed. */
export const FOREIGN_CPU_WARNING = 0.15;

export interface CpuSnapshot {
  /** Busy CPU time of the whole machine, ms. */
  machineBusyMs?: number;
  /** CPU time of the server process, ms. */
  serverMs?: number;
  /** CPU time of this process, ms. */
  selfMs: number;
  atMs: number;
}

export interface CpuUsage {
  /** Cores the server used on average (≈ 1 when a single-threaded server is saturated). */
  serverCores?: number;
  driverCores: number;
  /** Cores used by everything else on the machine: other processes competing with the measurement. */
  foreignCores?: number;
}

function machineBusyMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - idle) * TICK_MS;
  } catch {
    return undefined;
  }
}

function processMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(serverPid?: number): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    machineBusyMs: machineBusyMs(),
    serverMs: serverPid ? processMs(serverPid) : undefined,
    selfMs: (self.user + self.system) / 1000,
    atMs: performance.now(),
  };
}

export function cpuUsage(from: CpuSnapshot, to: CpuSnapshot): CpuUsage {
  const wall = to.atMs - from.atMs;
  const diff = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : (b - a) / wall);
  const serverCores = diff(from.serverMs, to.serverMs);
  const driverCores = (to.selfMs - from.selfMs) / wall;
  const machine = diff(from.machineBusyMs, to.machineBusyMs);
  const foreignCores = machine === undefined || serverCores === undefined ? undefined : Math.max(0, machine - serverCores - driverCores);
  const round = (v?: number) => (v === undefined ? undefined : Math.round(v * 100) / 100);
  return { serverCores: round(serverCores), driverCores: round(driverCores)!, foreignCores: round(foreignCores) };
}
