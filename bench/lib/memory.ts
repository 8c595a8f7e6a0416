import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident set size of the server during the measured window, from /proc (Linux; undefined elsewhere, as the
 * CPU figures are). Each round starts a fresh server that has booted, answered the probe and taken the warm-up
 * before the window opens, so VmHWM (peak since start) alone would count bootstrap and warm-up too. The peak is
 * therefore reset as the window opens (writing 5 to clear_refs, Linux ≥ 4.0: VmHWM := VmRSS) and VmHWM read as it
 * closes: exact, with no sampling in the driver. Where the reset is refused, VmRSS is sampled instead and the
 * max kept, which can miss a spike shorter than the interval: the method is recorded with the figure.
 */
const SAMPLE_MS = 50;

export interface MemoryUsage {
  /** Peak resident set size of the server during the measured window, MiB. */
  peakRssMiB?: number;
  method?: 'hwm-reset' | 'sampled';
}

/** A field of /proc/<pid>/status in KiB (the kernel writes "kB"), undefined when unreadable. */
function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const mib = (kib?: number) => (kib === undefined ? undefined : Math.round((kib / 1024) * 10) / 10);

/** Starts watching the server's RSS; stop() at the end of the measured window gives its peak. */
export function watchRss(pid?: number): { stop(): MemoryUsage } {
  if (!pid || statusKiB(pid, 'VmRSS') === undefined) return { stop: () => ({}) };
  if (resetPeak(pid)) return { stop: () => ({ peakRssMiB: mib(statusKiB(pid, 'VmHWM')), method: 'hwm-reset' }) };
  let peak = 0;
  const sample = () => (peak = Math.max(peak, statusKiB(pid, 'VmRSS') ?? 0));
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssMiB: mib(peak), method: 'sampled' };
    },
  };
}
