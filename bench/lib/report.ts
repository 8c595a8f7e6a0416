import type { DriveResult } from '../drive.js';
import { FOREIGN_CPU_WARNING } from './cpu.js';
import { BOOT_DELTA_TARGET_MS, MEMORY_RATIOS, PEERS, RATIOS, RSS_TARGET, type Scenario } from './peers.js';

export interface PeerSummary {
  name: string;
  scenario: Scenario;
  /** Medians across rounds. */
  rps: number;
  p50: number;
  p99: number;
  /** Median cores the server used while measured (≈ 1 when saturated). */
  serverCores?: number;
  /** Median server CPU time per request, µs: the cost of one request, whoever the bottleneck was. */
  cpuUsPerRequest?: number;
  /** Median of the server's peak RSS during each measured round, MiB (Linux). */
  rssMiB?: number;
  rounds: DriveResult[];
  responseBytes?: number;
  /** Auth variant: whether a request without a token was refused. */
  verifiesToken?: boolean;
}

export interface RatioSummary {
  name: string;
  value: number;
  target?: number;
  met?: boolean;
  /** Lowest and highest of the same ratio computed round by round: how much to trust it. */
  perRound: [number, number];
  /**
   * The same comparison by server CPU per request (denominator's µs / numerator's µs): what the ratio would be
   * if both servers had the CPU to themselves, unaffected by a driver that caps the fastest peers.
   */
  cpuRatio?: number;
}

/** Peak RSS, numerator / denominator: above 1, the numerator needs more memory. */
export interface MemoryRatioSummary {
  name: string;
  value: number;
  perRound: [number, number];
}

export interface RssTargetSummary {
  peer: string;
  rssMiB: number;
  maxMiB: number;
  met: boolean;
}

export interface BootSummary {
  noneMs: number;
  withToolsMs: number;
  deltaMs: number;
  targetMs: number;
  met: boolean;
  runs: { tools: number; ms: number }[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const disturbed = (r: DriveResult) => (r.cpu.foreignCores ?? 0) > FOREIGN_CPU_WARNING;

/** Medians over the rounds no other process disturbed (over all rounds when every one was disturbed). */
export function summarize(name: string, rounds: DriveResult[]): Omit<PeerSummary, 'responseBytes' | 'verifiesToken'> {
  const scenario = PEERS.find((p) => p.name === name)!.scenario;
  const clean = rounds.filter((r) => !disturbed(r));
  const used = clean.length ? clean : rounds;
  return {
    name,
    scenario,
    rps: median(used.map((r) => r.rps)),
    p50: median(used.map((r) => r.p50)),
    p99: median(used.map((r) => r.p99)),
    ...(used.every((r) => r.cpu.serverCores !== undefined) && {
      serverCores: median(used.map((r) => r.cpu.serverCores!)),
      cpuUsPerRequest: median(used.map((r) => (r.cpu.serverCores! * 1e6) / r.rps)),
    }),
    ...(used.every((r) => r.memory.peakRssMiB !== undefined) && { rssMiB: median(used.map((r) => r.memory.peakRssMiB!)) }),
    rounds,
  };
}

export function ratios(peers: PeerSummary[]): RatioSummary[] {
  const byName = new Map(peers.map((p) => [p.name, p]));
  const out: RatioSummary[] = [];
  for (const { num, den, target } of RATIOS) {
    const a = byName.get(num);
    const b = byName.get(den);
    if (!a || !b || !b.rps) continue;
    const value = a.rps / b.rps;
    const pairs = a.rounds.map((r, i) => [r, b.rounds[i]] as const);
    const clean = pairs.filter(([x, y]) => !disturbed(x) && !disturbed(y));
    const each = (clean.length ? clean : pairs).map(([x, y]) => x.rps / y.rps);
    out.push({
      name: `${num} / ${den}`,
      value,
      perRound: [Math.min(...each), Math.max(...each)],
      ...(a.cpuUsPerRequest && b.cpuUsPerRequest && { cpuRatio: b.cpuUsPerRequest / a.cpuUsPerRequest }),
      ...(target !== undefined && { target, met: value >= target }),
    });
  }
  return out;
}

export function memoryRatios(peers: PeerSummary[]): MemoryRatioSummary[] {
  const byName = new Map(peers.map((p) => [p.name, p]));
  const out: MemoryRatioSummary[] = [];
  for (const { num, den } of MEMORY_RATIOS) {
    const a = byName.get(num);
    const b = byName.get(den);
    if (!a?.rssMiB || !b?.rssMiB) continue;
    const pairs = a.rounds.map((r, i) => [r, b.rounds[i]] as const).filter(([x, y]) => x.memory.peakRssMiB && y?.memory.peakRssMiB);
    const clean = pairs.filter(([x, y]) => !disturbed(x) && !disturbed(y));
    const each = (clean.length ? clean : pairs).map(([x, y]) => x.memory.peakRssMiB! / y.memory.peakRssMiB!);
    out.push({ name: `${num} / ${den}`, value: a.rssMiB / b.rssMiB, perRound: [Math.min(...each), Math.max(...each)] });
  }
  return out;
}

/** The module's memory target, when its peer was measured and RSS could be read. */
export function rssTarget(peers: PeerSummary[]): RssTargetSummary | undefined {
  const rssMiB = peers.find((p) => p.name === RSS_TARGET.peer)?.rssMiB;
  if (rssMiB === undefined) return undefined;
  return { peer: RSS_TARGET.peer, rssMiB, maxMiB: RSS_TARGET.maxMiB, met: rssMiB <= RSS_TARGET.maxMiB };
}

export function bootSummary(runs: { tools: number; ms: number }[]): BootSummary {
  const noneMs = median(runs.filter((r) => r.tools === 0).map((r) => r.ms));
  const withToolsMs = median(runs.filter((r) => r.tools > 0).map((r) => r.ms));
  const deltaMs = withToolsMs - noneMs;
  return { noneMs, withToolsMs, deltaMs, targetMs: BOOT_DELTA_TARGET_MS, met: deltaMs <= BOOT_DELTA_TARGET_MS, runs };
}

const pad = (value: string, width: number, right = false) => (right ? value.padStart(width) : value.padEnd(width));
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export function formatPeers(peers: PeerSummary[]): string {
  const lines = [
    `${pad('scenario', 11)}${pad('server', 28)}${pad('req/s', 10, true)}${pad('p50 ms', 9, true)}${pad('p99 ms', 9, true)}` +
      `${pad('cpu', 6, true)}${pad('µs/req', 8, true)}${pad('rss MiB', 9, true)}${pad('bytes', 8, true)}  notes`,
  ];
  for (const p of peers) {
    const failures = p.rounds.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    const spoiled = p.rounds.filter(disturbed).length;
    const notes = [
      failures ? `${failures} failed responses!` : '',
      spoiled ? `${spoiled} round(s) disturbed by other processes${spoiled < p.rounds.length ? ', left out' : ''}` : '',
      p.verifiesToken === false ? 'DOES NOT VERIFY THE TOKEN' : '',
      p.rounds.some((r) => r.memory.method === 'sampled') ? 'rss sampled (peak reset refused)' : '',
    ].filter(Boolean);
    lines.push(
      `${pad(p.scenario === 'call' ? 'tools/call' : p.scenario === 'list' ? 'tools/list' : 'list+authz', 11)}${pad(p.name, 28)}${pad(fixed(p.rps, 0), 10, true)}` +
        `${pad(fixed(p.p50, 1), 9, true)}${pad(fixed(p.p99, 1), 9, true)}${pad(p.serverCores === undefined ? '-' : fixed(p.serverCores, 2), 6, true)}` +
        `${pad(p.cpuUsPerRequest === undefined ? '-' : fixed(p.cpuUsPerRequest, 0), 8, true)}` +
        `${pad(p.rssMiB === undefined ? '-' : fixed(p.rssMiB, 1), 9, true)}` +
        `${pad(String(p.responseBytes ?? '-'), 8, true)}  ${notes.join('; ')}`,
    );
  }
  return lines.join('\n');
}

export function formatRatios(list: RatioSummary[], boot?: BootSummary): string {
  const header = `${pad('', 56)}${pad('req/s', 7, true)}${pad('per round', 22, true)}${pad('by CPU', 8, true)}`;
  const lines = list.map(
    (r) =>
      `${pad(r.name, 56)}${pad(fixed(r.value, 3), 7, true)}` +
      `${pad(r.perRound[0] === r.perRound[1] ? '' : `${fixed(r.perRound[0], 2)}–${fixed(r.perRound[1], 2)}`, 22, true)}` +
      `${pad(r.cpuRatio === undefined ? '-' : fixed(r.cpuRatio, 2), 8, true)}` +
      (r.target !== undefined ? `   target ≥ ${r.target}   ${r.met ? 'met' : 'MISSED'}` : ''),
  );
  lines.unshift(header);
  if (boot) {
    lines.push(
      `${pad('bootstrap: 1,000 tools − none (module, Express)', 56)}${pad(`${fixed(boot.deltaMs, 0)} ms`, 7, true)}` +
        `   target ≤ ${boot.targetMs} ms   ${boot.met ? 'met' : 'MISSED'}   (none ${fixed(boot.noneMs, 0)} ms, 1,000 tools ${fixed(boot.withToolsMs, 0)} ms)`,
    );
  }
  return lines.join('\n');
}

export function formatMemory(list: MemoryRatioSummary[], target?: RssTargetSummary): string {
  const lines = [`${pad('', 56)}${pad('RSS', 7, true)}${pad('per round', 22, true)}`];
  for (const r of list) {
    const range = r.perRound[0] === r.perRound[1] ? '' : `${fixed(r.perRound[0], 2)}–${fixed(r.perRound[1], 2)}`;
    lines.push(`${pad(r.name, 56)}${pad(fixed(r.value, 3), 7, true)}${pad(range, 22, true)}`);
  }
  if (target) {
    lines.push(
      `${pad(`peak RSS: ${target.peer} (tools/call)`, 56)}${pad(fixed(target.rssMiB, 1), 7, true)} MiB` +
        `   target ≤ ${target.maxMiB} MiB   ${target.met ? 'met' : 'MISSED'}`,
    );
  }
  return lines.join('\n');
}
