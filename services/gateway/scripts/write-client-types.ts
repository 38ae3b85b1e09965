/** Rewrites the CLI's API client types from the current contracts: pnpm generate:client */
import { writeFileSync } from 'node:fs';
import { CLIENT_TYPES_PATH, renderClientTypes } from '../src/client-types.js';

writeFileSync(CLIENT_TYPES_PATH, await renderClientTypes());
console.log(`wrote ${CLIENT_TYPES_PATH.pathname}`);
