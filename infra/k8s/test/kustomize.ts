import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject, strategicMerge, type JsonObject } from './strategic-merge.js';

/**
 * A renderer for exactly the kustomize features infra/k8s uses, because no npm or Debian package
 * renders kustomize and `kubectl` is not on a fresh machine. A kustomization using anything else
 * is refused rather than rendered differently, and kustomize.test.ts compares the result with
 * `kubectl kustomize` wherever kubectl is installed.
 *
 * The order is kustomize's: resources, then generators, then components (each a small
 * kustomization applied to everything so far), then this kustomization's patches, namespace,
 * labels and images. Generated ConfigMaps get their content hash appended to their name once the
 * whole build is done, and the references to them follow.
 */

export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string; labels?: Record<string, string> };
}

interface Kustomization {
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  patches?: { path: string }[];
  configMapGenerator?: { name: string; literals: string[] }[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const FIELDS: Readonly<Record<string, readonly string[]>> = {
  Kustomization: ['apiVersion', 'kind', 'namespace', 'resources', 'components', 'patches', 'configMapGenerator', 'labels', 'images'],
  Component: ['apiVersion', 'kind', 'resources', 'components', 'patches'],
};
/** Kinds the namespace transformer leaves alone; everything else, custom resources too, is namespaced. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass']);

/** Renders the kustomization in `dir`, as `kubectl kustomize dir` would. */
export function kustomize(dir: string): K8sObject[] {
  const generated = new Set<K8sObject>();
  const objects = build(resolve(dir), 'Kustomization', [], generated);
  appendHashes(objects, generated);
  return objects;
}

function build(dir: string, expected: 'Kustomization' | 'Component', inherited: K8sObject[], generated: Set<K8sObject>): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const k = readDocuments(file)[0] as Kustomization;
  const kind = k.kind ?? 'Kustomization';
  if (kind !== expected) throw new Error(`${file} is a ${kind}, used as a ${expected}`);
  const unknown = Object.keys(k).filter((field) => !FIELDS[kind]!.includes(field));
  if (unknown.length) throw new Error(`the test renderer does not implement ${unknown.join(', ')} (${file})`);

  let objects = [...inherited];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? build(path, 'Kustomization', [], generated) : (readDocuments(path) as K8sObject[])));
  }
  for (const { name, literals, ...rest } of k.configMapGenerator ?? []) {
    if (Object.keys(rest).length) throw new Error(`the test renderer does not implement configMapGenerator ${Object.keys(rest).join(', ')}`);
    const configMap: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: Object.fromEntries(literals.map(splitLiteral)) };
    generated.add(configMap);
    objects.push(configMap);
  }
  for (const component of k.components ?? []) objects = build(resolve(dir, component), 'Component', objects, generated);

  for (const { path, ...rest } of k.patches ?? []) {
    if (Object.keys(rest).length) throw new Error(`the test renderer does not implement patch ${Object.keys(rest).join(', ')}`);
    for (const patch of readDocuments(resolve(dir, path)) as K8sObject[]) {
      const target = objects.find((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name && group(o) === group(patch));
      if (!target) throw new Error(`${path}: no ${patch.kind} ${patch.metadata.name} to patch`);
      strategicMerge(target, patch, isBuiltIn(target));
    }
  }
  if (k.namespace) for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  for (const { pairs, includeSelectors, includeTemplates } of k.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error('the test renderer adds labels to metadata only');
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...pairs };
  }
  for (const image of k.images ?? []) for (const o of objects) for (const c of containersOf(o)) c.image = retag(String(c.image), image);
  return objects;
}

function readDocuments(path: string): JsonObject[] {
  // structuredClone: an alias must become a copy, or a label added to metadata would also land
  // in the selector the same anchor fills.
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      return structuredClone(doc.toJS() as JsonObject);
    })
    .filter((doc) => isObject(doc));
}

/** `KEY=VALUE`, with surrounding quotes removed from the value as kustomize does. */
function splitLiteral(literal: string): [string, string] {
  const at = literal.indexOf('=');
  if (at < 1) throw new Error(`configMapGenerator literal ${literal} is not KEY=VALUE`);
  const value = literal.slice(at + 1);
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
  return [literal.slice(0, at), quoted ? value.slice(1, -1) : value];
}

function group(o: K8sObject): string {
  return o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
}

/** Kubernetes' own API groups (core, apps, batch, …, *.k8s.io); the rest are custom resources. */
export function isBuiltIn(o: K8sObject): boolean {
  const g = group(o);
  return !g.includes('.') || g.endsWith('.k8s.io');
}

/** Containers of a pod template, wherever kustomize's image transformer looks for them. */
function containersOf(o: K8sObject): JsonObject[] {
  const spec = o.spec;
  const pod = isObject(spec) && isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec : spec;
  if (!isObject(pod)) return [];
  return [pod.containers, pod.initContainers].flatMap((list) => (Array.isArray(list) ? list.filter(isObject) : []));
}

/** kustomize's image rule: a new tag replaces the old tag and any digest; no new tag keeps both. */
function retag(image: string, { name, newName, newTag }: { name: string; newName?: string; newTag?: string }): string {
  const match = /^(?<ref>[^@]+?)(?<version>:[\w][\w.-]*)?(?<digest>@.+)?$/.exec(image)?.groups;
  if (!match || match.ref !== name) return image;
  return `${newName ?? name}${newTag ? `:${newTag}` : `${match.version ?? ''}${match.digest ?? ''}`}`;
}

/** Appends kustomize's content hash to each generated ConfigMap's name, and points references at it. */
function appendHashes(objects: K8sObject[], generated: Set<K8sObject>): void {
  const renamed = new Map<string, string>();
  for (const configMap of generated) {
    const name = configMap.metadata.name;
    configMap.metadata.name = `${name}-${configMapHash(configMap.data as Record<string, string>)}`;
    renamed.set(`${configMap.metadata.namespace ?? ''}/${name}`, configMap.metadata.name);
  }
  const follow = (ref: unknown, namespace: string) => {
    if (isObject(ref) && typeof ref.name === 'string') ref.name = renamed.get(`${namespace}/${ref.name}`) ?? ref.name;
  };
  for (const o of objects) {
    const namespace = o.metadata.namespace ?? '';
    for (const c of containersOf(o)) {
      for (const from of Array.isArray(c.envFrom) ? c.envFrom : []) if (isObject(from)) follow(from.configMapRef, namespace);
      for (const env of Array.isArray(c.env) ? c.env : []) if (isObject(env) && isObject(env.valueFrom)) follow(env.valueFrom.configMapKeyRef, namespace);
    }
  }
}

/**
 * kustomize's ConfigMap hash: SHA-256 of Go's JSON encoding of {data, kind, name} (keys sorted,
 * `<`, `>` and `&` escaped), its first ten hex digits with 0, 1, 3, a and e swapped for letters
 * that cannot spell words. The name is always empty: kustomize looks it up by the path
 * "metadata/name" as one field name, which finds nothing (the goldens in kustomize.test.ts are
 * kubectl's own).
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const swap: Readonly<Record<string, string>> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...createHash('sha256').update(json).digest('hex').slice(0, 10)].map((c) => swap[c] ?? c).join('');
}
