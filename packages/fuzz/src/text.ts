/** Values a URL cannot carry as a path segment: the URL would name another path. */
export const NOT_A_SEGMENT: ReadonlySet<string> = new Set(['', '.', '..']);
/** Longest text put into a URL: Node refuses request heads over 16 KiB before any app sees them (431). */
const MAX_URL_VALUE = 1500;

/** A value as text for a URL or a form: strings as they are, anything else as JSON; cut short for a URL. */
export function urlText(value: unknown, maxLength = MAX_URL_VALUE): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.slice(0, maxLength);
}
