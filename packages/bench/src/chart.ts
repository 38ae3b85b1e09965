import type { SearchSizeResult } from './search.bench.js';

const SERIES = [
  { key: 'exactP50Ms', label: 'exact scan (the original service)', colour: '#c62f3a' },
  { key: 'sqlP50Ms', label: 'HNSW SQL', colour: '#1f8a4c' },
  { key: 'e2eP50Ms', label: 'POST /v1/search (gateway → search → SQL)', colour: '#3056d3' },
] as const;

/** p50 latency against collection size, both axes logarithmic, as a standalone SVG. */
export function latencyChart(results: readonly SearchSizeResult[]): string {
  const width = 640;
  const height = 360;
  const margin = { left: 60, right: 20, top: 30, bottom: 70 };
  const sizes = results.map((r) => r.size);
  const values = results.flatMap((r) => SERIES.map((s) => r[s.key]));
  const log = Math.log10;
  const [xMin, xMax] = [log(Math.min(...sizes)) - 0.2, log(Math.max(...sizes)) + 0.2];
  const [yMin, yMax] = [Math.floor(log(Math.max(0.1, Math.min(...values)))), Math.ceil(log(Math.max(...values)))];
  const x = (size: number) => margin.left + ((log(size) - xMin) / (xMax - xMin || 1)) * (width - margin.left - margin.right);
  const y = (ms: number) => height - margin.bottom - ((log(Math.max(ms, 0.1)) - yMin) / (yMax - yMin || 1)) * (height - margin.top - margin.bottom);
  const parts: string[] = [];
  for (let p = yMin; p <= yMax; p++) {
    const ms = 10 ** p;
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#e3e6ec"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(ms) + 4}" text-anchor="end">${ms >= 1 ? ms : ms.toFixed(1)} ms</text>`);
  }
  for (const size of sizes) {
    parts.push(`<text x="${x(size)}" y="${height - margin.bottom + 18}" text-anchor="middle">${size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`} vectors</text>`);
  }
  SERIES.forEach((series, i) => {
    const points = results.map((r) => `${x(r.size)},${y(r[series.key])}`);
    parts.push(`<polyline fill="none" stroke="${series.colour}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const r of results) parts.push(`<circle cx="${x(r.size)}" cy="${y(r[series.key])}" r="4" fill="${series.colour}"><title>${series.label}: ${r[series.key]} ms at ${r.size}</title></circle>`);
    const legendY = height - 28 + (i - 1) * 0;
    parts.push(`<rect x="${margin.left + i * 190}" y="${legendY}" width="12" height="12" fill="${series.colour}"/>`);
    parts.push(`<text x="${margin.left + i * 190 + 16}" y="${legendY + 10}">${series.label.split(' (')[0]}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#1d2330">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">p50 search latency, 10 nearest of N 512-d vectors</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
