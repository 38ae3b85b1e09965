import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../src/clip-model.js';
import { bestThreshold, CLIP_LIKE_GAP, generateTinyClip, judgeRelevanceSet, TINY_CLIP_DIR, writeModelFiles } from '../src/fixtures/index.js';
import { relevance, RelevanceBackground, SURPRISE_DIGITS } from '../src/relevance.js';

describe('calibrated relevance', () => {
  it('is the improbability of a score under the query\'s background, in digits over six', () => {
    const background = { mean: 0.2, spread: 0.02 };
    // At the mean: a coin toss, log10(2) digits. Q(3) = 1.350e-3, Q(4) = 3.167e-5 (normal tables).
    expect(relevance(0.2, background)).toBeCloseTo(Math.log10(2) / SURPRISE_DIGITS, 5);
    expect(relevance(0.26, background)).toBeCloseTo(-Math.log10(1.35e-3) / SURPRISE_DIGITS, 3);
    expect(relevance(0.28, background)).toBeCloseTo(-Math.log10(3.167e-5) / SURPRISE_DIGITS, 3);
    // Q(5) = 2.9e-7: over six digits, so 1.
    expect(relevance(0.3, background)).toBe(1);
    // Far out, capped at 1; far below, near 0; always rising.
    expect(relevance(0.9, background)).toBe(1);
    expect(relevance(-0.5, background)).toBeCloseTo(0, 6);
    const curve = [0.1, 0.15, 0.2, 0.22, 0.24, 0.26, 0.28].map((score) => relevance(score, background));
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeGreaterThan(curve[i - 1]!);
  });

  it('judges the same raw score by each query\'s own background', async () => {
    const unit = (...v: number[]) => v.map((x) => x / Math.hypot(...v));
    const library = await RelevanceBackground.from([unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0.95, 0, 0.05), unit(0, 1, 0), unit(0, 0, 1), unit(0.1, 0.1, 1)]);
    expect(library.size).toBe(6);
    const scores = library.scores(unit(1, 0, 0));
    expect(scores.mean).toBeCloseTo((1 + 0.9939 + 0.9986 + 0 + 0 + 0.0985) / 6, 3);
    expect(scores.spread).toBeGreaterThan(0.4);
    // A background of one direction: its spread is floored, not zero.
    expect((await RelevanceBackground.from([unit(1, 0, 0), unit(1, 0, 0)])).scores(unit(0, 1, 0))).toEqual({ mean: 0, spread: 0.01 });
    expect(() => library.scores([1, 0])).toThrow(/2-d query against a 3-d background/);
  });

  it('scores from the sample\'s moments what scoring every vector gives, at CLIP\'s size', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const unit = () => {
      const v = Array.from({ length: 512 }, random);
      const norm = Math.hypot(...v);
      return Float32Array.from(v, (x) => x / norm);
    };
    // Clustered, as a library is: a shared direction plus noise.
    const centre = unit();
    const sample = Array.from({ length: 300 }, () => {
      const noise = unit();
      const v = centre.map((c, i) => c + 0.5 * noise[i]!);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
    // Summing the moments gives other work its turn now and then.
    let othersRan = false;
    setImmediate(() => (othersRan = true));
    const background = await RelevanceBackground.from(sample);
    expect(othersRan).toBe(true);
    for (const query of [centre, unit(), sample[0]!]) {
      const dots = sample.map((v) => v.reduce((sum, x, i) => sum + x * query[i]!, 0));
      const mean = dots.reduce((a, b) => a + b, 0) / dots.length;
      const spread = Math.sqrt(dots.reduce((sum, dot) => sum + (dot - mean) ** 2, 0) / dots.length);
      const scores = background.scores(query);
      expect(scores.mean).toBeCloseTo(mean, 6);
      expect(scores.spread).toBeCloseTo(Math.max(spread, 0.01), 5);
    }
  });
});

describe('on the judged fixture set', () => {
  let dir: string;
  afterAll(async () => dir && (await rm(dir, { recursive: true, force: true })));

  it('separates matches with one threshold for every query, where raw scores cannot once text and images score on scales of their own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sis-gap-clip-'));
    await writeModelFiles(dir, generateTinyClip({ gap: CLIP_LIKE_GAP }));
    const [plain, gapped] = await Promise.all([ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false }), ClipModel.load({ model: dir, allowRemoteModels: false })]);
    try {
      const options = { library: 300, photos: 20 };
      // With CLIP's modality gap, words score 0.3 to 0.6 on a match and photos 0.9: no raw threshold serves both.
      const gap = await judgeRelevanceSet(gapped, options);
      expect(bestThreshold(gap, 'relevance').f1).toBeGreaterThan(bestThreshold(gap, 'score').f1 + 0.25);
      // Relevance does not depend on the scale: the same on both models.
      const same = await judgeRelevanceSet(plain, options);
      expect(bestThreshold(same, 'relevance').f1).toBeCloseTo(bestThreshold(gap, 'relevance').f1, 1);
      // tiny-clip alone scores every kind of query on one scale, where a raw threshold does best.
      expect(bestThreshold(same, 'score').f1).toBeGreaterThan(bestThreshold(same, 'relevance').f1);
    } finally {
      await Promise.all([plain.dispose(), gapped.dispose()]);
    }
  });
});
