import type { ReadinessResponse } from '@sis/contracts';

/** Named dependency checks; each resolves when its dependency answers. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<unknown>>>;

/** How long, in ms, one check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 2000;

/** Runs named checks in parallel, timing each and giving up on one after `timeoutMs`; ready only when all pass. */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs = READINESS_TIMEOUT_MS): Promise<ReadinessResponse> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
        return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error).message, ms: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { status: results.every(([, r]) => r.ok) ? 'ready' : 'unavailable', checks: Object.fromEntries(results) };
}
