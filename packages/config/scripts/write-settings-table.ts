/** Rewrites the configuration table in the README from the settings schema: pnpm docs:settings */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSettingsTable } from '../src/index.js';

const readme = new URL('../../../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const updated = text.replace(/(<!-- settings:start -->\n)[\s\S]*?(\n<!-- settings:end -->)/, `$1${renderSettingsTable()}$2`);
if (updated === text && !text.includes('<!-- settings:start -->')) throw new Error('README.md has no settings markers');
writeFileSync(readme, updated);
