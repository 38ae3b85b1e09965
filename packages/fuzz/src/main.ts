#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { fuzzApi } from './fuzzer.js';
import { formatReport } from './report.js';
import { startFuzzStack, type FuzzTarget } from './stack.js';

interface Options {
  requests: number;
  seed?: number;
  url?: string;
  token?: string;
  key: string[];
  timeLimit: number;
  concurrency: number;
  json?: string;
}

const whole = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return n;
};

const program = new Command('fuzz')
  .description(
    'Sends valid and mutated requests to every operation of the OpenAPI document and fails on any answer that is 5xx, ' +
      'has a status the document does not list for the operation, or a body unlike the documented schema. ' +
      'Without --url it starts a throwaway stack of its own on 127.0.0.1 (PostgreSQL, Redis, S3, the three services). ' +
      'Exits 1 on any failure, 2 when stopped (time limit or Ctrl-C) before every request was sent.',
  )
  .option('--requests <n>', 'requests to generate, spread evenly over the operations (shrinking failures adds a few)', whole(1), 2000)
  .option('--seed <n>', 'seed of the run, to generate the same requests again (default: random, printed)', whole(0))
  .option('--url <url>', 'fuzz this gateway (on 127.0.0.0/8) instead of a throwaway stack; its data will be changed and deleted')
  .option('--token <token>', 'the admin token of --url (default: $ADMIN_TOKEN)')
  .option('--key <secret>', 'a key with fewer scopes to send now and then, with --url (repeatable)', (value: string, all: string[]) => [...all, value], [])
  .option('--time-limit <minutes>', 'stop generating requests after this long', whole(1), 30)
  .option('--concurrency <n>', 'operations fuzzed at once', whole(1), 4)
  .option('--json <file>', 'also write the report as JSON to this file');
// `pnpm fuzz -- --requests 10` hands the script a literal "--" first; what follows is still options.
const args = process.argv.slice(2);
program.parse(args[0] === '--' ? args.slice(1) : args, { from: 'user' });
const options = program.opts<Options>();
const say = (line: string) => process.stderr.write(`${line}\n`);
// What went wrong, in a sentence: a stack trace says nothing more to someone running a command.
process.on('uncaughtException', (error) => {
  say(`fuzz: ${error.message}`);
  process.exit(1);
});

let target: FuzzTarget;
if (options.url) {
  const adminToken = options.token ?? process.env.ADMIN_TOKEN ?? program.error('--url needs the admin token: --token, or ADMIN_TOKEN in the environment');
  target = { url: options.url, adminToken, keys: options.key, stop: async () => undefined };
} else {
  say('starting a throwaway stack…');
  target = await startFuzzStack();
  say(`fuzzing ${target.url}`);
}

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
try {
  const report = await fuzzApi({
    url: target.url,
    adminToken: target.adminToken,
    keys: target.keys,
    requests: options.requests,
    seed: options.seed,
    timeLimitMs: options.timeLimit * 60_000,
    concurrency: options.concurrency,
    signal: interrupt.signal,
    onProgress: ({ sent, planned, failures }) => say(`${sent} of ${planned} requests sent, ${failures} failure${failures === 1 ? '' : 's'}`),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  // A run stopped short proved less than was asked of it.
  process.exitCode = report.failures.length ? 1 : report.interrupted ? 2 : 0;
} finally {
  await target.stop();
}
