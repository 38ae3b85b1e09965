import { homedir } from 'node:os';
import type { z } from 'zod';
import { SETTING_ALIASES, settingsSchema } from './settings.js';

/** Reads a field's default out of its zod schema, if it has one. */
function defaultOf(field: z.ZodType): unknown {
  const def = (field as unknown as { _zod: { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } } })._zod.def;
  if (def.type === 'default') return def.defaultValue;
  return def.innerType ? defaultOf(def.innerType) : undefined;
}

function show(value: unknown): string {
  if (value === undefined) return '';
  const text = Array.isArray(value) ? (value.length ? value.join(',') : '(none)') : String(value);
  return `\`${text.replace(homedir(), '~')}\``;
}

/**
 * The README's configuration table, made from the schema so the two cannot drift apart; a test
 * compares it with the README.
 */
export function renderSettingsTable(): string {
  const rows = Object.entries(settingsSchema.shape).map(([name, field]) => {
    const aliases = Object.entries(SETTING_ALIASES)
      .filter(([, target]) => target.name === name)
      .map(([alias]) => `\`${alias}\``)
      .join(', ');
    const required = defaultOf(field) === undefined && !field.safeParse(undefined).success;
    return `| \`${name}\` | ${required ? '**required**' : show(defaultOf(field))} | ${aliases} | ${field.description ?? ''} |`;
  });
  return ['| Variable | Default | Also read from | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
