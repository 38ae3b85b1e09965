import openapiTS, { astToString } from 'openapi-typescript';
import { describeApi } from './app.js';

/** Where the CLI keeps the types of its API client, generated from the gateway's contracts. */
export const CLIENT_TYPES_PATH = new URL('../../../packages/cli/src/generated/api.ts', import.meta.url);

/**
 * The TypeScript types of every path, request and response in the API, as openapi-typescript
 * writes them from the OpenAPI document; the CLI's openapi-fetch client is typed by them.
 */
export async function renderClientTypes(): Promise<string> {
  const ast = await openapiTS(describeApi() as Parameters<typeof openapiTS>[0]);
  return `// Generated from the gateway's OpenAPI document by \`pnpm generate:client\`. Do not edit.\n\n${astToString(ast)}`;
}
