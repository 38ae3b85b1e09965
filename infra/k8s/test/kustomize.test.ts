import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configMapHash, kustomize, type K8sObject } from './kustomize.js';
import { K8S_DIR } from './manifests.js';

/**
 * The manifest tests render infra/k8s with kustomize.ts. These check that renderer: against
 * results `kubectl kustomize` (kustomize 5.5) gave, recorded here so they hold on machines
 * without kubectl, and against kubectl itself, on every overlay, wherever it is installed.
 */

const root = mkdtempSync(join(tmpdir(), 'sis-kustomize-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** One use of every feature the renderer has. */
const FIXTURE = {
  'base/kustomization.yaml': `resources: [app.yaml]
configMapGenerator:
  - name: settings
    literals: ["MODE=fast", "QUOTED='a b'"]
`,
  'base/app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: app, labels: &labels { app: demo } }
spec:
  selector: { matchLabels: *labels }
  template:
    metadata: { labels: *labels }
    spec:
      initContainers: [{ name: init, image: "tool:1" }]
      containers:
        - name: main
          image: demo
          args: [serve, --fast]
          envFrom: [{ configMapRef: { name: settings } }]
          env:
            - { name: A, value: "1" }
            - { name: B, value: "2" }
            - { name: C, valueFrom: { configMapKeyRef: { name: settings, key: MODE } } }
        - { name: side, image: "demo@sha256:abc" }
`,
  'component/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [thing.yaml]
patches: [{ path: patch.yaml }]
`,
  'component/thing.yaml': `apiVersion: example.com/v1
kind: Thing
metadata: { name: thing }
spec: { items: [{ name: x, n: 1 }, { name: y, n: 2 }], size: small }
`,
  'component/patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  template:
    spec:
      containers:
        - name: main
          args: [serve]
          env:
            - { name: D, value: "4" }
            - { name: B, value: null, valueFrom: { secretKeyRef: { name: s, key: b } } }
`,
  'overlay/kustomization.yaml': `namespace: demo
resources: [../base]
components: [../component]
patches: [{ path: patch.yaml }]
labels: [{ pairs: { team: search } }]
images: [{ name: demo, newName: registry.example.com/demo, newTag: "2.0" }]
`,
  'overlay/patch.yaml': `apiVersion: example.com/v1
kind: Thing
metadata: { name: thing }
spec: { items: [{ name: y, n: 3 }] }
`,
};

const byKindAndName = (objects: K8sObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

/** `kubectl kustomize dir`, or undefined where kubectl is not installed. */
function kubectlKustomize(dir: string): K8sObject[] | undefined {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (run.error) return undefined;
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${run.stderr}`);
  return parseAllDocuments(run.stdout).map((doc) => doc.toJS() as K8sObject);
}

describe('the test renderer', () => {
  it("names generated ConfigMaps with kustomize's content hash", () => {
    expect(configMapHash({ A: '1' })).toBe('89g4tffbfk');
    expect(configMapHash({ N: '5', GREETING: 'hello <world> & co', QUOTED: 'kept inside' })).toBe('49f94bmtkm');
  });

  it('renders resources, a generator, a component, patches, namespace, labels and images as kubectl did', () => {
    const dir = writeTree(FIXTURE);
    const [configMap, deployment, thing] = byKindAndName(kustomize(join(dir, 'overlay')));
    expect(configMap).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings-4c8f6c2567', namespace: 'demo', labels: { team: 'search' } }, data: { MODE: 'fast', QUOTED: 'a b' } });
    expect(deployment!.metadata).toEqual({ name: 'app', namespace: 'demo', labels: { app: 'demo', team: 'search' } });
    // Labels reach metadata only; the anchor that also filled the selector was copied, not shared.
    expect(deployment!.spec).toMatchObject({ selector: { matchLabels: { app: 'demo' } }, template: { metadata: { labels: { app: 'demo' } } } });
    const pod = (deployment!.spec as any).template.spec;
    expect(pod.initContainers).toEqual([{ name: 'init', image: 'tool:1' }]);
    expect(pod.containers.map((c: any) => [c.name, c.image])).toEqual([
      ['main', 'registry.example.com/demo:2.0'],
      ['side', 'registry.example.com/demo:2.0'],
    ]);
    const main = pod.containers[0];
    expect(main.args).toEqual(['serve']);
    expect(main.envFrom).toEqual([{ configMapRef: { name: 'settings-4c8f6c2567' } }]);
    // The patch's elements first, in its order; a null removes the field it names.
    expect(main.env).toEqual([
      { name: 'D', value: '4' },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'b' } } },
      { name: 'A', value: '1' },
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'settings-4c8f6c2567', key: 'MODE' } } },
    ]);
    // A custom resource's lists are replaced whole.
    expect(thing).toEqual({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'thing', namespace: 'demo', labels: { team: 'search' } }, spec: { items: [{ name: 'y', n: 3 }], size: 'small' } });
  });

  it('refuses kustomize features it does not implement instead of rendering them differently', () => {
    const dir = writeTree({
      ...FIXTURE,
      'prefixed/kustomization.yaml': 'namePrefix: x-\nresources: [../base]\n',
      'targeted/kustomization.yaml': 'resources: [../base]\npatches: [{ path: ../overlay/patch.yaml, target: { kind: Thing } }]\n',
      'ports/kustomization.yaml': 'resources: [../base]\npatches: [{ path: ports.yaml }]\n',
      'ports/ports.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\nspec: { template: { spec: { containers: [{ name: main, ports: [{ containerPort: 80 }] }] } } }\n',
      'missing/kustomization.yaml': 'resources: [../base]\npatches: [{ path: ../overlay/patch.yaml }]\n',
    });
    expect(() => kustomize(join(dir, 'prefixed'))).toThrow(/does not implement namePrefix/);
    expect(() => kustomize(join(dir, 'targeted'))).toThrow(/does not implement patch target/);
    expect(() => kustomize(join(dir, 'ports'))).toThrow(/does not implement merging ports/);
    expect(() => kustomize(join(dir, 'missing'))).toThrow(/no Thing thing to patch/);
    expect(() => kustomize(join(dir, 'component'))).toThrow(/is a Component, used as a Kustomization/);
  });

  // kubectl is on the machines CI runs on, not on a fresh one (script/bootstrap cannot install it:
  // no Debian package has kustomize). Where it is, the renders must equal its own; everywhere, they
  // must equal the committed renders, which that comparison keeps honest (`vitest -u` rewrites them).
  it('renders the fixture and every overlay exactly as kubectl kustomize does', async () => {
    const dirs: [string, string][] = [
      ['fixture', join(writeTree(FIXTURE), 'overlay')],
      ...['base', 'overlays/small', 'overlays/scaled'].map((path): [string, string] => [path.replace('overlays/', ''), `${K8S_DIR}${path}`]),
    ];
    for (const [name, dir] of dirs) {
      // Through JSON, as the API server would receive them, so key order and undefined fields do not count.
      const ours = JSON.parse(JSON.stringify(byKindAndName(kustomize(dir))));
      const theirs = kubectlKustomize(dir);
      if (theirs) expect(ours, dir).toEqual(byKindAndName(theirs));
      await expect(`${JSON.stringify(ours, null, 2)}\n`).toMatchFileSnapshot(`rendered/${name}.json`);
    }
  });
});
