/**
 * The whole machine's CPU time between two moments, from /proc/stat (every
 * process: the console, the simulated sensor, smbclient, smbd, …). A bench
 * phase that keeps every core busy is bounded by the CPU its pipeline needs,
 * whatever any one process does: comparing CPU-seconds per GiB of two ways of
 * doing the same work then says how far apart they must stay on this machine.
 * Linux only; elsewhere `sample()` returns null and the bench leaves it out.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface CpuSample {
  /** Jiffies spent doing anything but idling or waiting for I/O, over all cores. */
  busy: number;
  total: number;
}

export interface CpuUse {
  /** CPU-seconds used by the whole machine (all cores together). */
  busySeconds: number;
  /** Share of all cores' time that was busy, 0–1. */
  utilisation: number;
}

/** The kernel's clock tick: USER_HZ is 100 on every Linux architecture Node supports. */
const TICKS_PER_SECOND = 100;

export function sampleMachineCpu(): CpuSample | null {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n').find((text) => text.startsWith('cpu '));
  } catch {
    return null;
  }
  if (!line) return null;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user).
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export function cpuBetween(before: CpuSample | null, after: CpuSample | null): CpuUse | null {
  if (!before || !after || after.total <= before.total) return null;
  return { busySeconds: (after.busy - before.busy) / TICKS_PER_SECOND, utilisation: (after.busy - before.busy) / (after.total - before.total) };
}

/** "12.3 CPU-s per GiB, 97% of 2 cores busy". */
export function describeCpuUse(use: CpuUse | null, bytes: number): string {
  if (!use) return 'not measured (no /proc/stat)';
  const perGiB = use.busySeconds / (bytes / 1024 ** 3);
  return `${perGiB.toFixed(1)} CPU-s per GiB, ${Math.round(use.utilisation * 100)}% of ${os.availableParallelism()} cores busy`;
}
