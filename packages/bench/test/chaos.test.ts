import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { parseReplicas } from '@sis/local-stack';
import { describe, expect, it } from 'vitest';
import { chaos, CHAOS_FAULTS } from '../src/chaos.js';

// The small version of `pnpm chaos`: every fault once, against the real processes.
describe('chaos, small', () => {
  it('loses nothing, embeds nothing twice and fails no search while a worker, a gateway and a search replica are killed and the read replica restarts', async () => {
    const lines: string[] = [];
    const result = await chaos({ images: 200, rounds: 1, model: TINY_CLIP_DIR, replicas: parseReplicas('gateway=2,search=2,worker=3'), say: (line) => lines.push(line) });
    expect(result).toMatchObject({ workersOnline: 3, images: 200, ready: 200, failed: 0, lost: 0, embeddedTwice: 0, searchesFailed: 0 });
    // Every vector write was seen, so "none twice" is a count, not a silence.
    expect(result.vectorWrites).toBe(200);
    expect(result.searches).toBeGreaterThan(10);
    expect(result.recoveries.map((r) => r.fault)).toEqual([...CHAOS_FAULTS]);
    expect(result.recoveries.map((r) => r.target)).toEqual(['worker-1', 'gateway-1', 'search-1', 'postgres-replica']);
    expect(lines).toHaveLength(4);
  }, 300_000);
});
