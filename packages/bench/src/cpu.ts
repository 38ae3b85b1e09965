import { readFile } from 'node:fs/promises';

/** Linux reports /proc/stat in clock ticks of 1/100 s (USER_HZ) on every architecture. */
const TICK_MS = 10;

/**
 * CPU time the whole machine has spent since boot, all cores summed, from /proc/stat's first
 * line. Busy is everything but idle and iowait, so PostgreSQL and Redis count without knowing
 * their process ids.
 */
export function parseProcStat(text: string): { busyMs: number; totalMs: number } {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('no aggregate "cpu" line in /proc/stat');
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = ticks[3]! + ticks[4]!;
  return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS };
}

export async function machineCpu(): Promise<{ busyMs: number; totalMs: number }> {
  return parseProcStat(await readFile('/proc/stat', 'utf8'));
}

/** CPU time this process has used (all its threads, including libuv's and onnxruntime's), in ms. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
