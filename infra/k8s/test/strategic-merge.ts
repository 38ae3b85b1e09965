/**
 * Kubernetes' strategic merge patch, as far as infra/k8s uses it, with kustomize's results
 * (checked against `kubectl kustomize` in kustomize.test.ts):
 * - maps merge key by key, and a null in the patch deletes the key;
 * - in built-in kinds, lists with a merge key (below) merge element by element: the patch's
 *   elements first, in the patch's order, each merged into the original element with its key,
 *   then the original elements the patch does not name, in their order;
 * - every other list, and every list in a custom resource, is replaced by the patch's; lists
 *   kustomize would merge by a key not implemented here are refused.
 */

/** Merge keys of the lists the manifests patch, from the Kubernetes API's own patch metadata. */
const MERGE_KEYS: Readonly<Record<string, string>> = { containers: 'name', initContainers: 'name', env: 'name' };
/** Lists kustomize merges by a key this renderer does not implement: patching one is refused. */
const UNIMPLEMENTED = new Set(['ports', 'volumes', 'volumeMounts', 'volumeDevices', 'imagePullSecrets', 'hostAliases', 'topologySpreadConstraints', 'ephemeralContainers', 'resourceClaims']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Patches `target` in place with `patch`; `builtIn` is false for custom resources. */
export function strategicMerge(target: JsonObject, patch: JsonObject, builtIn: boolean): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`the test renderer does not implement the patch directive ${key}`);
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = target[key];
    if (isObject(value) && isObject(current)) {
      strategicMerge(current, value, builtIn);
    } else if (Array.isArray(value) && Array.isArray(current) && builtIn && MERGE_KEYS[key]) {
      target[key] = mergeList(current, value, MERGE_KEYS[key], builtIn);
    } else if (Array.isArray(value) && builtIn && UNIMPLEMENTED.has(key)) {
      throw new Error(`the test renderer does not implement merging ${key} lists`);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

function mergeList(current: Json[], patch: Json[], mergeKey: string, builtIn: boolean): Json[] {
  const keyOf = (element: Json) => {
    if (!isObject(element) || typeof element[mergeKey] !== 'string') throw new Error(`a list merged by ${mergeKey} has an element without one`);
    return element[mergeKey];
  };
  const named = new Set(patch.map(keyOf));
  const merged = patch.map((element) => {
    const original = current.find((candidate) => keyOf(candidate) === keyOf(element));
    if (!original) return structuredClone(element);
    const result = structuredClone(original) as JsonObject;
    strategicMerge(result, element as JsonObject, builtIn);
    return result;
  });
  return [...merged, ...current.filter((element) => !named.has(keyOf(element)))];
}
