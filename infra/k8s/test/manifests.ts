import { fileURLToPath } from 'node:url';
import { kustomize, type K8sObject } from './kustomize.js';
import { isObject } from './strategic-merge.js';

/** Helpers the manifest tests share: the rendered overlays and the parts of them they read. */

export const K8S_DIR = fileURLToPath(new URL('../', import.meta.url));
export const OVERLAYS = ['small', 'scaled'] as const;
export type Overlay = (typeof OVERLAYS)[number];

const cache = new Map<string, K8sObject[]>();
/** The objects `kubectl apply -k infra/k8s/<path>` would send. */
export function render(path: string): K8sObject[] {
  if (!cache.has(path)) cache.set(path, kustomize(`${K8S_DIR}${path}`));
  return structuredClone(cache.get(path)!);
}

export const overlay = (name: Overlay) => render(`overlays/${name}`);

export interface Container {
  [field: string]: unknown;
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
  ports?: { name?: string; containerPort: number }[];
  command?: string[];
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } };
}
export interface PodSpec {
  [field: string]: unknown;
  containers: Container[];
  initContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
}
export interface Workload {
  object: K8sObject;
  labels: Record<string, string>;
  pod: PodSpec;
}

/** Every object that runs pods (Deployments, StatefulSets, Jobs), with its pod template. */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects.flatMap((object) => {
    const template = isObject(object.spec) ? object.spec.template : undefined;
    if (!isObject(template) || !isObject(template.spec)) return [];
    const metadata = isObject(template.metadata) ? template.metadata : {};
    return [{ object, labels: (metadata.labels ?? {}) as Record<string, string>, pod: template.spec as PodSpec }];
  });
}

/** The workloads running the sis image (the three services and the migrations). */
export function sisWorkloads(objects: K8sObject[]): Workload[] {
  return workloads(objects).filter((w) => w.labels['app.kubernetes.io/name'] === 'sis' && w.labels['app.kubernetes.io/component'] !== 'redis');
}

export function deployment(objects: K8sObject[], component: string): Workload {
  const found = workloads(objects).find((w) => w.object.kind === 'Deployment' && w.labels['app.kubernetes.io/component'] === component);
  if (!found) throw new Error(`no Deployment for ${component}`);
  return found;
}

export function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** Whether a label selector (matchLabels and `In` expressions) picks pods with `labels`. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = (isObject(selector.matchLabels) ? selector.matchLabels : selector) as Record<string, unknown>;
  const plain = Object.entries(matchLabels).filter(([key]) => key !== 'matchExpressions' && key !== 'matchLabels');
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return (
    plain.every(([key, value]) => labels[key] === value) &&
    expressions.every((e) => {
      if (!isObject(e) || e.operator !== 'In' || !Array.isArray(e.values)) throw new Error('selects() reads only `In` expressions');
      return e.values.includes(labels[String(e.key)] ?? '');
    })
  );
}

/** A Kubernetes quantity (`250m`, `2`, `512Mi`, `2Gi`) as a number of cores or bytes. */
export function quantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(text);
  if (!match) throw new Error(`not a quantity this test reads: ${text}`);
  const scale: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * scale[match[2] ?? '']!;
}
