import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry, requestMetrics } from '@sis/http';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * The dashboard and the alert rules name metrics the code must really export: a renamed metric
 * would otherwise leave an empty panel or an alert that can never fire. The shared metrics come
 * from @sis/http's own definitions; each service's are read from its source (infra may not import
 * services), every `new Counter|Gauge|Histogram|Summary({ name: 'sis_…' })` there.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES = ['gateway', 'search', 'worker'] as const;

type Kind = 'counter' | 'gauge' | 'histogram' | 'summary';
interface Metric {
  kind: Kind;
  labels: readonly string[];
}

/** Prometheus's own, one per scrape target. */
const PROMETHEUS: Readonly<Record<string, Metric>> = { up: { kind: 'gauge', labels: [] } };
/** Labels Prometheus adds to every series, and the bucket bound of histograms. */
const TARGET_LABELS = ['job', 'instance'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

async function registeredMetrics(): Promise<Map<string, Metric>> {
  const metrics = new Map<string, Metric>();
  for (const service of SERVICES) {
    const registry = createMetricsRegistry(service);
    requestMetrics(registry);
    // prom-client's metric objects have get() and labelNames, which its array type leaves out.
    for (const metric of registry.getMetricsAsArray() as unknown as { get(): Promise<{ type: string; name: string }>; labelNames: string[] }[]) {
      const { type, name } = await metric.get();
      metrics.set(name, { kind: type as Kind, labels: metric.labelNames });
    }
  }
  const definition = /new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'(sis_[a-z0-9_]+)'[^]*?(?:labelNames:\s*\[([^\]]*)\]|registers:)/g;
  const files = [...SERVICES.map((service) => `${root}services/${service}/src`), `${root}packages/http/src`, `${root}packages/queue/src`].flatMap(sourceFiles);
  for (const file of files) {
    for (const [, kind, name, labels] of readFileSync(file, 'utf8').matchAll(definition)) {
      metrics.set(name!, { kind: kind!.toLowerCase() as Kind, labels: [...(labels ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]!) });
    }
  }
  return metrics;
}

/** The series names a metric exposes: a histogram's buckets, sum and count, and so on. */
function seriesNames(metrics: ReadonlyMap<string, Metric>): Map<string, Metric> {
  const series = new Map<string, Metric>();
  for (const [name, metric] of metrics) {
    if (metric.kind === 'histogram') {
      series.set(`${name}_bucket`, { ...metric, labels: [...metric.labels, 'le'] });
      for (const suffix of ['_sum', '_count']) series.set(`${name}${suffix}`, metric);
    } else if (metric.kind === 'summary') {
      for (const suffix of ['', '_sum', '_count']) series.set(`${name}${suffix}`, metric);
    } else series.set(name, metric);
  }
  return series;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/**
 * The metric selectors of a PromQL expression, with the labels each matches on. Strings, range
 * brackets and grouping clauses are removed first; what is left that is a name and not a function
 * call or keyword is a metric.
 */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  const plain = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...plain.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)].flatMap(([, name, matchers, call]) => {
    if (call || KEYWORDS.has(name!) || /^\d/.test(name!)) return [];
    return [{ metric: name!, labels: [...(matchers ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!) }];
  });
}

/** Every PromQL expression in a Grafana dashboard: its panels' queries. */
function dashboardExprs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(dashboardExprs);
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === 'expr' && typeof value === 'string' ? [value] : dashboardExprs(value)));
}

const dashboard = JSON.parse(readFileSync(`${root}infra/observability/grafana/sis-dashboard.json`, 'utf8')) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
const rules = parseYaml(readFileSync(`${root}infra/observability/prometheus/sis-alerts.yaml`, 'utf8')) as {
  groups: { name: string; rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
};
const alerts = rules.groups.flatMap((group) => group.rules);

describe('observability files', () => {
  it.each([
    ['the dashboard', dashboardExprs(dashboard)],
    ['the alert rules', alerts.map((rule) => rule.expr)],
  ])('%s query only metrics the code exports, by labels they have', async (_what, exprs) => {
    const series = seriesNames(new Map([...(await registeredMetrics()), ...Object.entries(PROMETHEUS)]));
    expect(exprs.length).toBeGreaterThan(0);
    const problems = exprs.flatMap((expr) =>
      selectors(expr).flatMap(({ metric, labels }) => {
        const known = series.get(metric);
        if (!known) return [`${metric} is not exported (in: ${expr})`];
        return labels.filter((label) => !known.labels.includes(label) && !TARGET_LABELS.includes(label)).map((label) => `${metric} has no label ${label} (in: ${expr})`);
      }),
    );
    expect(problems).toEqual([]);
  });

  it('finds the metrics of every service, so a check that saw nothing cannot pass', async () => {
    const names = [...(await registeredMetrics()).keys()];
    for (const name of ['sis_http_request_seconds', 'sis_ready', 'sis_queue_jobs', 'sis_images', 'sis_uploads_completed_total', 'sis_worker_jobs_total', 'sis_worker_stage_seconds', 'sis_search_process_max_rss_bytes']) {
      expect(names, name).toContain(name);
    }
  });

  it('cover throughput, latency, the queue, errors and readiness on the dashboard', () => {
    const text = dashboardExprs(dashboard).join('\n');
    for (const metric of ['sis_worker_jobs_total', 'sis_http_request_seconds_bucket', 'sis_queue_jobs', 'sis_queue_oldest_waiting_seconds', 'sis_ready']) expect(text, metric).toContain(metric);
    expect(text).toMatch(/status=~"5\.\."/);
    // Panels carry their queries; no panel is left empty.
    expect(dashboard.panels.filter((p) => p.type !== 'row' && !p.targets?.length).map((p) => p.title)).toEqual([]);
  });

  it('give every alert a duration, a severity and a summary', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const rule of alerts) {
      expect(rule.alert, rule.expr).toMatch(/^Sis[A-Za-z]+$/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
    expect(alerts.map((rule) => rule.alert)).toEqual(expect.arrayContaining(['SisQueueOldestJobWaiting', 'SisHttpErrorRate', 'SisServiceNotReady']));
  });

  it('reads metric names out of PromQL as Prometheus would', () => {
    expect(selectors('histogram_quantile(0.95, sum by (le, route) (rate(sis_http_request_seconds_bucket{status=~"5..", job="x"}[5m])))')).toEqual([
      { metric: 'sis_http_request_seconds_bucket', labels: ['status', 'job'] },
    ]);
    expect(selectors('count(sis_ready == 0) or vector(0)').map((s) => s.metric)).toEqual(['sis_ready']);
    expect(selectors('max(a_b) > 1800 and sum(rate(c_total[15m])) == 0').map((s) => s.metric)).toEqual(['a_b', 'c_total']);
  });
});
