import { STOP_TIMEOUT_MS } from '@sis/config';
import { describe, expect, it } from 'vitest';
import { allContainers, deployment, find, overlay, OVERLAYS, quantity, selects, sisWorkloads, workloads, type Container } from './manifests.js';

/**
 * How the pods run: probes, stopping, resources, spreading, disruption budgets and autoscaling,
 * in every overlay.
 */

const SERVICES = ['gateway', 'search', 'worker'] as const;

function preStopSeconds(container: Container): number {
  const command = (container.lifecycle as any)?.preStop?.exec?.command as string[] | undefined;
  expect(command?.[0], `${container.name} has an exec preStop`).toBe('sleep');
  return Number(command![1]);
}

describe.each(OVERLAYS)('%s', (name) => {
  const objects = overlay(name);

  it('runs the three services and the migrations', () => {
    const components = sisWorkloads(objects).map((w) => `${w.object.kind}/${w.labels['app.kubernetes.io/component']}`);
    expect(components.sort()).toEqual(['Deployment/gateway', 'Deployment/search', 'Deployment/worker', 'Job/migrate']);
  });

  it.each(SERVICES)('probes %s: liveness on /healthz, readiness on /readyz, on its own port', (service) => {
    const main = deployment(objects, service).pod.containers[0]!;
    const probe = (kind: string) => (main[kind] as any)?.httpGet;
    expect(probe('livenessProbe')).toEqual({ path: '/healthz', port: 'http' });
    expect(probe('readinessProbe')).toEqual({ path: '/readyz', port: 'http' });
    if (main.startupProbe) expect(probe('startupProbe')).toEqual({ path: '/healthz', port: 'http' });
    expect(main.ports!.map((p) => p.name)).toContain('http');
    // /readyz gives each dependency 2 s; a shorter probe timeout would call a slow answer a failure.
    expect((main.readinessProbe as any).timeoutSeconds).toBeGreaterThan(2);
  });

  it('gives the search service time to load its model before liveness counts', () => {
    const startup = deployment(objects, 'search').pod.containers[0]!.startupProbe as any;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  it.each(SERVICES)('lets %s finish its pause and its drain before the kill', (service) => {
    const { pod } = deployment(objects, service);
    for (const container of pod.containers) {
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds(container) + STOP_TIMEOUT_MS / 1000);
    }
  });

  it('sets requests and limits on every container, limits at or above requests', () => {
    for (const { object, pod } of workloads(objects)) {
      for (const c of allContainers(pod)) {
        const where = `${object.metadata.name}/${c.name}`;
        for (const resource of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[resource];
          const limit = c.resources?.limits?.[resource];
          expect(request, `${where} ${resource} request`).toBeDefined();
          expect(limit, `${where} ${resource} limit`).toBeDefined();
          expect(quantity(limit!), where).toBeGreaterThanOrEqual(quantity(request!));
        }
      }
    }
  });

  it('sizes each service from docs/benchmarks.md', () => {
    const limits = (service: string) => deployment(objects, service).pod.containers[0]!.resources!.limits!;
    // Peak RSS: worker up to 1,806 MB holding two models during a switch (1,344 MB ingesting at EMBED_BATCH 32), search 670 MB, gateway 326 MB at the soak's highest.
    expect(quantity(limits('worker').memory!)).toBeGreaterThan(1806e6);
    expect(quantity(limits('worker').memory!)).toBeLessThanOrEqual(2 * 2 ** 30);
    expect(quantity(limits('search').memory!)).toBeGreaterThan(670e6);
    expect(quantity(limits('gateway').memory!)).toBeGreaterThan(326e6);
    // onnxruntime runs as many threads as CLIP_THREADS; more than the CPU limit only queue.
    for (const service of ['search', 'worker']) {
      const main = deployment(objects, service).pod.containers[0]!;
      expect(main.env!.find((e) => e.name === 'CLIP_THREADS')?.value, service).toBe(String(quantity(main.resources!.limits!.cpu!)));
    }
  });

  it('spreads every service over nodes and zones', () => {
    for (const service of SERVICES) {
      const { pod, labels } = deployment(objects, service);
      const constraints = (pod.topologySpreadConstraints ?? []) as any[];
      expect(constraints.map((c) => c.topologyKey).sort(), service).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const c of constraints) expect(selects(c.labelSelector, labels), `${service} ${c.topologyKey}`).toBe(true);
    }
  });

  it('has one PodDisruptionBudget per Deployment, which still lets a node drain', () => {
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const { object, labels } of workloads(objects).filter((w) => w.object.kind === 'Deployment')) {
      const mine = budgets.filter((b) => selects((b.spec as any).selector, labels));
      expect(mine.map((b) => b.metadata.name), object.metadata.name).toHaveLength(1);
      expect((mine[0]!.spec as any).maxUnavailable, object.metadata.name).toBeGreaterThanOrEqual(1);
    }
  });

  it('scales the gateway and search on CPU, and leaves their replica counts to the autoscalers', () => {
    for (const service of ['gateway', 'search']) {
      const { object } = deployment(objects, service);
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && (o.spec as any).scaleTargetRef.name === object.metadata.name);
      expect(hpa, service).toBeDefined();
      const spec = hpa!.spec as any;
      expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: object.metadata.name });
      expect(spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
      expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
    }
    for (const service of SERVICES) expect((deployment(objects, service).object.spec as any).replicas, service).toBeUndefined();
  });

  it('serves the gateway, and only the gateway, through the Ingress, and matches Services to pods', () => {
    const ingress = find(objects, 'Ingress', 'sis-gateway')!;
    const backends = (ingress.spec as any).rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service));
    expect(backends).toEqual([{ name: 'sis-gateway', port: { name: 'http' } }]);
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as any;
      const targets = workloads(objects).filter((w) => selects(spec.selector, w.labels));
      expect(targets.map((w) => w.object.metadata.name), service.metadata.name).toHaveLength(1);
      const ports = targets[0]!.pod.containers.flatMap((c) => c.ports ?? []);
      for (const port of spec.ports) expect(ports.map((p) => p.name), `${service.metadata.name} ${port.targetPort}`).toContain(port.targetPort);
    }
  });
});

describe('worker autoscaling', () => {
  it('is KEDA on the queue gauges in the scaled overlay: never zero, bounded, with a cool-down', () => {
    const objects = overlay('scaled');
    const scaledObject = find(objects, 'ScaledObject', 'sis-worker')!;
    const spec = scaledObject.spec as any;
    expect(spec.scaleTargetRef.name).toBe(deployment(objects, 'worker').object.metadata.name);
    expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
    expect(spec.triggers).toHaveLength(1);
    const [{ type, metadata }] = spec.triggers;
    expect(type).toBe('prometheus');
    expect(new URL(metadata.serverAddress).protocol).toMatch(/^https?:$/);
    expect(Number(metadata.threshold)).toBeGreaterThan(0);
    // Every gateway exports the same Redis-wide counts: max across them, never a sum of copies.
    expect(metadata.query).toMatch(/^sum\(max by \(state\) \(sis_queue_jobs\{[^}]*\}\)\)$/);
    const states = /state=~"([^"]+)"/.exec(metadata.query)![1]!.split('|');
    expect(states.sort()).toEqual(['active', 'prioritized', 'waiting']);
  });

  it('is a single worker with no autoscaler on one node', () => {
    const objects = overlay('small');
    expect(objects.filter((o) => o.kind === 'ScaledObject')).toEqual([]);
    const worker = deployment(objects, 'worker').object.metadata.name;
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && (o.spec as any).scaleTargetRef.name === worker)).toEqual([]);
  });
});
