#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { parseReplicas } from '@sis/local-stack';
import { replicasOption } from '@sis/cli';
import { Command } from 'commander';
import { chaos } from './chaos.js';
import { atLeast } from './options.js';

const program = new Command('chaos')
  .description(
    'Runs sis replicated on this machine (haproxy, gateways, search replicas on a PostgreSQL streaming replica, workers) and ingests photos ' +
      'while killing a worker, a gateway and a search replica with SIGKILL and restarting the read replica, in turn, with searches beside it. ' +
      'Fails unless nothing is lost, nothing is embedded twice and no search fails.',
  )
  .option('--images <n>', 'photos to ingest', atLeast(200), 2000)
  .option('--rounds <n>', 'times each fault is injected at most (at least once, then while the ingest runs)', atLeast(1), 50)
  .option('--replicas <counts>', 'processes per service', replicasOption, parseReplicas('gateway=2,search=2,worker=3'))
  .option('--model <dir>', 'CLIP model folder', TINY_CLIP_DIR)
  .option('--out <file>', 'where to write the results as JSON', 'chaos-results.json');
// `pnpm chaos -- --images 500` hands the script a literal "--" first.
const args = process.argv.slice(2);
program.parse(args[0] === '--' ? args.slice(1) : args, { from: 'user' });
const options = program.opts<{ images: number; rounds: number; replicas: ReturnType<typeof parseReplicas>; model: string; out: string }>();
const say = (line: string) => process.stderr.write(`${line}\n`);

say(`chaos: ${options.images} photos, replicas ${JSON.stringify(options.replicas)}`);
const result = await chaos({ ...options, say });
const report = `${JSON.stringify({ date: new Date().toISOString(), replicas: options.replicas, ...result }, null, 2)}\n`;
await writeFile(options.out, report);
console.log(report);
process.exitCode = result.lost || result.embeddedTwice || result.searchesFailed ? 1 : 0;
