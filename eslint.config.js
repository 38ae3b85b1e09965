import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The module rules of docs/architecture.md, per folder. Each entry forbids a group of imports
 * with the reason shown when one is written; `areas` below says which apply where.
 */
const FORBIDDEN = {
  services: (except) => ({
    group: ['gateway', 'search', 'worker'].filter((s) => s !== except).flatMap((s) => [`@sis/${s}`, `@sis/${s}/*`, `**/${s}/src/**`, `**/${s}/dist/**`]),
    message: 'services never import each other (a test starts another service as a process: startService in @sis/local-stack)',
  }),
  anyService: {
    group: ['@sis/gateway', '@sis/gateway/*', '@sis/search', '@sis/search/*', '@sis/worker', '@sis/worker/*', '**/services/*/src/**', '**/services/*/dist/**'],
    message: 'packages never import services',
  },
  clip: { group: ['@sis/clip', '@sis/clip/*'], message: 'the gateway never loads model code: image bytes are @sis/image' },
  imageToClip: { group: ['@sis/clip', '@sis/clip/*'], message: '@sis/image sits below @sis/clip: clip uses image, never the other way' },
  db: { group: ['@sis/db', '@sis/db/*'], message: 'the CLI is an API client: it never touches the database (migrations are sis-migrate, a command of @sis/db)' },
  clipToStores: { group: ['@sis/db', '@sis/db/*', '@sis/storage', '@sis/storage/*'], message: 'clip is the model only: it never reads the database or storage' },
  sql: { group: ['kysely', 'kysely/*', 'pg', 'pg-copy-streams'], message: 'SQL lives in @sis/db only' },
  s3: { group: ['@aws-sdk/*'], message: 'S3 lives in @sis/storage only' },
  model: { group: ['@huggingface/transformers', 'onnxruntime-node', 'onnxruntime-common'], message: 'model code lives in @sis/clip only' },
  otel: { group: ['@opentelemetry/*'], message: 'OpenTelemetry lives in @sis/telemetry only: take spans, carriers and the test exporter from there' },
  http: { group: ['express', 'multer', 'cors', 'pino-http', 'express-rate-limit', 'rate-limit-redis', '@sis/http'], message: '@sis/contracts is schemas and domain errors only: HTTP lives in @sis/http' },
};
const F = FORBIDDEN;
const areas = [
  { files: ['packages/**', 'infra/**'], forbid: [F.anyService, F.sql, F.s3, F.model, F.otel] },
  { files: ['packages/telemetry/**'], forbid: [F.anyService, F.sql, F.s3, F.model] },
  { files: ['packages/db/**'], forbid: [F.anyService, F.s3, F.model, F.otel] },
  { files: ['packages/storage/**'], forbid: [F.anyService, F.sql, F.model, F.otel] },
  { files: ['packages/clip/**'], forbid: [F.anyService, F.clipToStores, F.sql, F.s3, F.otel] },
  { files: ['packages/contracts/**'], forbid: [F.anyService, F.http, F.sql, F.s3, F.model, F.otel] },
  { files: ['packages/image/**'], forbid: [F.anyService, F.imageToClip, F.sql, F.s3, F.model, F.otel] },
  { files: ['packages/cli/**'], forbid: [F.anyService, F.db, F.sql, F.s3, F.model, F.otel] },
  { files: ['services/gateway/**'], forbid: [F.services('gateway'), F.clip, F.sql, F.s3, F.model, F.otel] },
  { files: ['services/search/**'], forbid: [F.services('search'), F.sql, F.s3, F.model, F.otel] },
  { files: ['services/worker/**'], forbid: [F.services('worker'), F.sql, F.s3, F.model, F.otel] },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/coverage/**', '**/node_modules/**', '.data/**', 'packages/clip/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // A later entry replaces an earlier one's list for the files both match, so each area names all of its own.
  ...areas.map(({ files, forbid }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: forbid }] } })),
  {
    // The web pages run in browsers, as plain ES modules.
    files: ['services/gateway/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read JSON bodies whose shape the assertions check.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
