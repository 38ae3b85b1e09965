import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A Prometheus registry of the service's own (no global state), with Node's process metrics
 * prefixed `sis_<service>_` and `sis_<service>_process_max_rss_bytes`: the most memory the process
 * has held since it started, the figure memory budgets are about (prom-client's own metric is the
 * current size only).
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  const prefix = `sis_${service}_`;
  collectDefaultMetrics({ register: registry, prefix });
  new Gauge({
    name: `${prefix}process_max_rss_bytes`,
    help: 'Peak resident set size since the process started, in bytes.',
    registers: [registry],
    collect() {
      this.set(peakRssBytes());
    },
  });
  return registry;
}

/**
 * The process's own peak RSS. On Linux that is VmHWM: getrusage's maxrss survives exec, so a
 * service started by a large process (a benchmark holding a model) would report its parent's
 * peak until it outgrew it.
 */
export function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Times every request into `sis_http_request_seconds`, by method, route pattern and status. */
export function requestMetrics(registry: Registry): RequestHandler {
  const seconds = new Histogram({
    name: 'sis_http_request_seconds',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = seconds.startTimer({ method: req.method });
    // The route pattern, not the path, so ids do not make a label value each.
    res.on('finish', () => end({ route: req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched', status: String(res.statusCode) }));
    next();
  };
}
