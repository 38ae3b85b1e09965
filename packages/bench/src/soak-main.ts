#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { Command } from 'commander';
import { atLeast } from './options.js';
import { SOAK_MAX_GROWTH, SOAK_SERVICES, soak } from './soak.js';
import { BenchSystem } from './system.js';

const program = new Command('soak')
  .description('Pushes many images end to end with searches beside them, and checks that no service keeps growing and no image is lost.')
  .option('--images <n>', 'photos to ingest (at least 1000)', atLeast(1000), 20_000)
  .option('--model <dir>', 'CLIP model folder', TINY_CLIP_DIR)
  .option('--out <file>', 'where to write the samples and results as JSON', 'soak-results.json');
// `pnpm soak -- --images 5000` hands the script a literal "--" first.
const args = process.argv.slice(2);
program.parse(args[0] === '--' ? args.slice(1) : args, { from: 'user' });
const options = program.opts<{ images: number; model: string; out: string }>();
const say = (line: string) => process.stderr.write(`${line}\n`);

const system = await BenchSystem.start();
try {
  const result = await soak(system, { images: options.images, model: options.model, sampleEveryMs: 2000, say });
  await writeFile(options.out, `${JSON.stringify({ date: new Date().toISOString(), model: options.model, ...result }, null, 2)}\n`);
  const grown = SOAK_SERVICES.filter((service) => result.growth[service].growth > SOAK_MAX_GROWTH);
  console.log(`${result.images} images in ${result.seconds} s (${result.imagesPerSec}/s), ${result.searches} searches beside them`);
  console.log(`ready ${result.ready}, failed ${result.failed}, lost ${result.lost}`);
  for (const service of SOAK_SERVICES) {
    const g = result.growth[service];
    console.log(`${service.padEnd(8)} RSS after warm-up ${g.afterWarmUpMb} MB → end ${g.endMb} MB: ${(g.growth * 100).toFixed(1)} % (limit ${SOAK_MAX_GROWTH * 100} %)`);
  }
  console.log(`wrote ${options.out} (${result.samples.length} samples)`);
  process.exitCode = result.lost || result.failed || grown.length ? 1 : 0;
} finally {
  await system.stop();
}
