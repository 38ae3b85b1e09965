import * as keda from '@kubernetes-models/keda';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';
import * as kubernetes from 'kubernetes-models';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from './kustomize.js';
import { find, overlay, OVERLAYS, render, sisWorkloads } from './manifests.js';

/**
 * Every object the overlays render, validated against the JSON schemas of the Kubernetes API,
 * KEDA and the Prometheus operator (kubernetes-models). No npm package carries CloudNativePG's
 * schema, so its Cluster is checked field by field against its documented API.
 */

interface Model {
  new (data: unknown): { validate(): void };
}
/** Each package exports its API groups as namespaces: `networking.k8s.io` is `networkingK8sIo`. */
const GROUPS: Record<string, unknown>[] = [kubernetes, keda, prometheusOperator];
const CNPG = 'postgresql.cnpg.io/v1';

function modelFor(object: K8sObject): Model | undefined {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const name = group === '' ? '' : group!.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
  for (const pkg of GROUPS) {
    const groupModule = (name === '' ? pkg : pkg[name]) as Record<string, Record<string, Model>> | undefined;
    const model = groupModule?.[version!]?.[object.kind];
    if (model) return model;
  }
  return undefined;
}

function validationError(object: K8sObject): string | undefined {
  const Model = modelFor(object);
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe.each(['base', ...OVERLAYS.map((o) => `overlays/${o}`)])('%s', (path) => {
  it('renders only objects valid against their API schema', () => {
    const objects = render(path);
    expect(objects.length).toBeGreaterThan(10);
    const errors = objects.filter((o) => o.apiVersion !== CNPG).flatMap((o) => (validationError(o) ? [`${o.kind} ${o.metadata.name}: ${validationError(o)}`] : []));
    expect(errors).toEqual([]);
  });
});

describe('the schema check', () => {
  it('catches a wrong type, a missing required field and an unknown kind', () => {
    const gateway = find(overlay('small'), 'Deployment', 'sis-gateway')!;
    const broken = structuredClone(gateway) as any;
    broken.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    expect(validationError(broken)).toMatch(/memory/);
    const noSelector = structuredClone(gateway) as any;
    delete noSelector.spec.selector;
    expect(validationError(noSelector)).toMatch(/selector/);
    const scaledObject = structuredClone(find(overlay('scaled'), 'ScaledObject', 'sis-worker')!) as any;
    scaledObject.spec.maxReplicaCount = 'many';
    expect(validationError(scaledObject)).toMatch(/maxReplicaCount/);
    expect(validationError({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' } })).toMatch(/no schema/);
  });
});

describe('the CloudNativePG Cluster', () => {
  it.each(OVERLAYS)('in %s has the documented shape, pgvector, and storage', (name) => {
    const objects = overlay(name);
    const cluster = find(objects, 'Cluster', 'sis-pg')!;
    expect(cluster.apiVersion).toBe(CNPG);
    const spec = cluster.spec as any;
    expect(Object.keys(spec).sort()).toEqual(['bootstrap', 'enablePDB', 'imageName', 'instances', 'postgresql', 'resources', 'storage']);
    expect(Number.isInteger(spec.instances) && spec.instances >= 1).toBe(true);
    // The operator's budget for a lone primary would block every drain of its node.
    expect(spec.enablePDB).toBe(spec.instances > 1);
    // CloudNativePG's "standard" images carry pgvector; creating the extension needs a superuser.
    expect(spec.imageName).toMatch(/\/cloudnative-pg\/postgresql:\d+[\w.-]*-standard-/);
    expect(Object.keys(spec.bootstrap)).toEqual(['initdb']);
    expect(Object.keys(spec.bootstrap.initdb).sort()).toEqual(['database', 'owner', 'postInitApplicationSQL']);
    expect(spec.bootstrap.initdb.postInitApplicationSQL).toContainEqual(expect.stringMatching(/^CREATE EXTENSION IF NOT EXISTS vector$/i));
    expect(Object.keys(spec.postgresql)).toEqual(['parameters']);
    for (const value of Object.values(spec.postgresql.parameters)) expect(typeof value).toBe('string');
    expect(Object.keys(spec.storage)).toEqual(['size']);
    expect(spec.storage.size).toMatch(/^\d+Gi$/);
    expect(Object.keys(spec.resources).sort()).toEqual(['limits', 'requests']);
    // The services' connections fit: DATABASE_POOL_SIZE per pod, at the autoscalers' largest counts.
    const poolSize = Number((objects.find((o) => o.kind === 'ConfigMap')!.data as any).DATABASE_POOL_SIZE);
    const maxPods = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').reduce((n, h) => n + (h.spec as any).maxReplicas, 0) + maxWorkers(objects);
    expect(maxPods * poolSize).toBeLessThan(Number(spec.postgresql.parameters.max_connections) - 10);
  });

  it('has replicas behind sis-pg-ro wherever search reads from it', () => {
    for (const name of OVERLAYS) {
      const objects = overlay(name);
      const search = sisWorkloads(objects).find((w) => w.labels['app.kubernetes.io/component'] === 'search')!;
      const readUrl = search.pod.containers[0]!.env!.find((e) => e.name === 'DATABASE_READ_URL')?.value;
      const instances = (find(objects, 'Cluster', 'sis-pg')!.spec as any).instances;
      if (readUrl) expect(new URL(readUrl).hostname).toBe('sis-pg-ro');
      expect(instances >= 2, `${name}: ${instances} instance(s), read URL ${readUrl ?? 'unset'}`).toBe(readUrl !== undefined);
    }
  });
});

function maxWorkers(objects: K8sObject[]): number {
  const scaledObject = objects.find((o) => o.kind === 'ScaledObject');
  return scaledObject ? (scaledObject.spec as any).maxReplicaCount : 1;
}
