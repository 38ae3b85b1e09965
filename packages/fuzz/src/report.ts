import type { FuzzReport } from './fuzzer.js';

/** The run as text for a terminal: requests and answers per operation, then each failure with its minimal request. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `${report.requests} requests (${report.shrinkRequests} of them to shrink failures) to ${report.operations.length} operations in ${(report.durationMs / 1000).toFixed(1)} s, seed ${report.seed}` +
      (report.interrupted ? ' — stopped (time limit or Ctrl-C) before every planned request was sent' : ''),
    '',
  ];
  const width = Math.max(...report.operations.map((o) => o.operation.length));
  lines.push(`${'operation'.padEnd(width)}  requests  valid  answers`);
  for (const o of report.operations) lines.push(`${o.operation.padEnd(width)}  ${String(o.requests).padStart(8)}  ${String(o.valid).padStart(5)}  ${statuses(o.statuses)}`);
  const overall: Record<string, number> = {};
  for (const o of report.operations) for (const [status, n] of Object.entries(o.statuses)) overall[status] = (overall[status] ?? 0) + n;
  lines.push(`${'all'.padEnd(width)}  ${String(report.requests).padStart(8)}  ${String(report.operations.reduce((n, o) => n + o.valid, 0)).padStart(5)}  ${statuses(overall)}`, '');
  lines.push('Not fuzzed (served, but not in the OpenAPI document):', ...report.notFuzzed.map((n) => `  ${n.route}: ${n.reason}`), '');
  if (!report.failures.length) {
    lines.push('No failures: no answer was 5xx, undocumented, or unlike its documented schema.');
    return lines.join('\n');
  }
  lines.push(`${report.failures.length} failure${report.failures.length === 1 ? '' : 's'}:`);
  report.failures.forEach((f, i) => {
    lines.push(
      '',
      `${i + 1}. ${f.operation}: ${f.kind}  (met ${f.occurrences} time${f.occurrences === 1 ? '' : 's'}; ${f.variant} request${f.shrinks ? `, shrunk in ${f.shrinks} steps` : ''})`,
      `   ${f.detail}`,
      `   ${f.request.method} ${f.request.url}`,
      ...Object.entries(f.request.headers).map(([name, value]) => `   ${name}: ${value}`),
      ...(f.request.body === undefined ? [] : [`   body: ${f.request.body}`]),
    );
  });
  return lines.join('\n');
}

function statuses(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}
