import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The module rules (docs/architecture.md) are eslint's no-restricted-imports, per folder. This
 * proves they bite: a file with one forbidden import, linted as if it sat in that folder (ESLint
 * applies the folder's config from the path alone, so no stray file can be left in the tree),
 * must fail lint with the rule's reason; the same file with an allowed import must pass.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const probe = typeof used;\n`, { filePath: `${root}${file}` });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const forbidden: [where: string, file: string, source: string, reason: RegExp][] = [
  ['a service importing another service by package', 'services/gateway/src/probe.ts', "import { used } from '@sis/worker';", /services never import each other/],
  ['a service importing another service by path', 'services/gateway/src/probe.ts', "import { used } from '../../search/src/app.js';", /services never import each other/],
  ["a service's test importing another service's source", 'services/gateway/test/probe.ts', "import { used } from '../../worker/src/embed-worker.js';", /services never import each other/],
  ['the worker importing the gateway', 'services/worker/src/probe.ts', "import { used } from '../../gateway/src/app.js';", /services never import each other/],
  ['the search service importing the worker', 'services/search/test/probe.ts', "import { used } from '@sis/worker';", /services never import each other/],
  ['a package importing a service', 'packages/http/src/probe.ts', "import { used } from '../../../services/gateway/src/app.js';", /packages never import services/],
  ['infra importing a service', 'infra/local-stack/src/probe.ts', "import { used } from '@sis/gateway';", /packages never import services/],
  ['clip importing the database', 'packages/clip/src/probe.ts', "import { used } from '@sis/db';", /clip is the model only/],
  ['clip importing storage', 'packages/clip/src/probe.ts', "import { used } from '@sis/storage';", /clip is the model only/],
  ['the gateway importing clip', 'services/gateway/src/probe.ts', "import { used } from '@sis/clip';", /the gateway never loads model code/],
  ["the gateway's tests importing clip fixtures", 'services/gateway/test/probe.ts', "import { used } from '@sis/clip/fixtures';", /the gateway never loads model code/],
  ['the CLI importing the database', 'packages/cli/src/probe.ts', "import { used } from '@sis/db';", /the CLI is an API client/],
  ["the CLI's tests importing the database", 'packages/cli/test/probe.ts', "import { used } from '@sis/db/benchmark';", /the CLI is an API client/],
  ['contracts importing express', 'packages/contracts/src/probe.ts', "import { Router as used } from 'express';", /@sis\/contracts is schemas and domain errors only/],
  ['image importing clip', 'packages/image/src/probe.ts', "import { used } from '@sis/clip';", /@sis\/image sits below @sis\/clip/],
  ['SQL outside @sis/db', 'services/search/src/probe.ts', "import { sql as used } from 'kysely';", /SQL lives in @sis\/db only/],
  ['the S3 SDK outside @sis/storage', 'services/worker/src/probe.ts', "import { S3Client as used } from '@aws-sdk/client-s3';", /S3 lives in @sis\/storage only/],
  ['the model runtime outside @sis/clip', 'services/worker/src/probe.ts', "import { env as used } from '@huggingface/transformers';", /model code lives in @sis\/clip only/],
  ['the OpenTelemetry API outside @sis/telemetry', 'packages/queue/src/probe.ts', "import { trace as used } from '@opentelemetry/api';", /OpenTelemetry lives in @sis\/telemetry only/],
  ["the OpenTelemetry SDK in a service's test", 'services/gateway/test/probe.ts', "import { InMemorySpanExporter as used } from '@opentelemetry/sdk-trace-base';", /OpenTelemetry lives in @sis\/telemetry only/],
];

describe('module rules', () => {
  it.each(forbidden)('fail lint for %s', async (_where, file, source, reason) => {
    const found = await problems(file, source);
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
    expect(found[0]).toMatch(reason);
  });

  it.each([
    ['the gateway importing image bytes code', 'services/gateway/src/probe.ts', "import { inspectImage as used } from '@sis/image';"],
    ['the worker importing clip', 'services/worker/src/probe.ts', "import { ClipModel as used } from '@sis/clip';"],
    ['the CLI importing contracts', 'packages/cli/src/probe.ts', "import { IdSchema as used } from '@sis/contracts';"],
    ['a service importing its own services folder', 'services/gateway/src/probe.ts', "import { SearchService as used } from './services/search.service.js';"],
    ['the database package importing kysely', 'packages/db/src/probe.ts', "import { sql as used } from 'kysely';"],
    ['the telemetry package importing the OpenTelemetry API', 'packages/telemetry/src/probe.ts', "import { trace as used } from '@opentelemetry/api';"],
  ])('pass lint for %s', async (_where, file, source) => {
    expect(await problems(file, source)).toEqual([]);
  });
});
