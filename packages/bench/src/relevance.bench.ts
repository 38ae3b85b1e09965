import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipModel } from '@sis/clip';
import { bestThreshold, CLIP_LIKE_GAP, generateTinyClip, judgeRelevanceSet, TINY_CLIP_DIR, writeModelFiles, type Judged, type QueryKind } from '@sis/clip/fixtures';
import { round } from './stats.js';

/** One threshold for every query, on raw scores and on relevance: the best F1 each reaches. */
export interface RelevanceRun {
  model: string;
  raw: Separation;
  relevance: Separation;
  /** The best F1 within each kind of query alone, raw and calibrated. */
  byKind: Record<QueryKind, { rawF1: number; relevanceF1: number }>;
}

interface Separation {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

const KINDS: readonly QueryKind[] = ['words', 'two colours', 'photo'];

/** The judged fixture set (`judgeRelevanceSet`) on tiny-clip, and on tiny-clip with CLIP's modality gap. */
export async function benchRelevance(): Promise<RelevanceRun[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sis-gap-clip-'));
  try {
    await writeModelFiles(dir, generateTinyClip({ gap: CLIP_LIKE_GAP }));
    const runs: RelevanceRun[] = [];
    for (const [name, source] of [['tiny-clip', TINY_CLIP_DIR], ['tiny-clip with a CLIP-like modality gap', dir]] as const) {
      const model = await ClipModel.load({ model: source, allowRemoteModels: false });
      try {
        const judged = await judgeRelevanceSet(model);
        const of = (subset: readonly Judged[], by: 'score' | 'relevance') => {
          const best = bestThreshold(subset, by);
          return { threshold: round(best.threshold, 3), f1: round(best.f1, 3), precision: round(best.precision, 3), recall: round(best.recall, 3) };
        };
        const byKind = Object.fromEntries(
          KINDS.map((kind) => {
            const subset = judged.filter((item) => item.kind === kind);
            return [kind, { rawF1: of(subset, 'score').f1, relevanceF1: of(subset, 'relevance').f1 }];
          }),
        ) as RelevanceRun['byKind'];
        runs.push({ model: name, raw: of(judged, 'score'), relevance: of(judged, 'relevance'), byKind });
      } finally {
        await model.dispose();
      }
    }
    return runs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
