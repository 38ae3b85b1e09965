import { describe, expect, it } from 'vitest';
import type { K8sObject } from './kustomize.js';
import { allContainers, deployment, overlay, OVERLAYS, selects, sisWorkloads, workloads, type Workload } from './manifests.js';

/** Least privilege in every overlay: pod security, secrets only by reference, network policies. */

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PASS$|KEY|CREDENTIAL|PRIVATE/i;
/** Settings that are URLs with a password in them when the server has one: never in a ConfigMap. */
const CREDENTIAL_URLS = ['DATABASE_URL', 'DATABASE_READ_URL', 'REDIS_URL', 'SQLALCHEMY_DATABASE_URI'];

function hasPassword(text: string): boolean {
  return URL.canParse(text) && new URL(text).password !== '';
}

function policiesFor(objects: K8sObject[], workload: Workload): any[] {
  return objects.filter((o) => o.kind === 'NetworkPolicy' && selects((o.spec as any).podSelector, workload.labels)).map((o) => o.spec);
}

describe.each(OVERLAYS)('%s', (name) => {
  const objects = overlay(name);

  it('runs every pod as a non-root user with the default seccomp profile and no API token', () => {
    for (const { object, pod } of workloads(objects)) {
      const where = object.metadata.name;
      expect(pod.securityContext, where).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      // Numeric, or the kubelet cannot tell an image's named user is not root and refuses to start it.
      expect(pod.securityContext!.runAsUser, where).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken, where).toBe(false);
    }
  });

  it('gives every container a read-only root filesystem and no capabilities, escalation or privilege', () => {
    for (const { object, pod } of workloads(objects)) {
      for (const c of allContainers(pod)) {
        const where = `${object.metadata.name}/${c.name}`;
        expect(c.securityContext, where).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect((c.securityContext as any).capabilities.add, where).toBeUndefined();
        expect(c.securityContext!.privileged, where).toBeUndefined();
        expect(c.securityContext!.runAsUser ?? pod.securityContext!.runAsUser, where).not.toBe(0);
      }
    }
  });

  it('mounts writable emptyDirs where the services write: /tmp everywhere, the model cache where a model loads', () => {
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    for (const { object, pod, labels } of sisWorkloads(objects)) {
      const main = pod.containers[0]!;
      const mounted = (path: string) => {
        const mount = main.volumeMounts?.find((m) => m.mountPath === path);
        return pod.volumes?.find((v) => v.name === mount?.name);
      };
      expect(mounted('/tmp')?.emptyDir, object.metadata.name).toBeDefined();
      if (['search', 'worker'].includes(labels['app.kubernetes.io/component']!)) {
        expect(configMap.MODEL_CACHE_DIR).toBe('/models');
        expect(mounted(configMap.MODEL_CACHE_DIR!)?.emptyDir, object.metadata.name).toBeDefined();
      }
    }
  });

  it('holds no secret values: no Secret objects, secret-looking variables only by reference', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const { object, pod } of workloads(objects)) {
      for (const c of allContainers(pod)) {
        for (const env of c.env ?? []) {
          const where = `${object.metadata.name}/${c.name} ${env.name}`;
          if (SECRET_NAME.test(env.name)) expect(env.value, where).toBeUndefined();
          // A connection URL written out (the read replicas' host) must leave the password to a Secret.
          if (env.value !== undefined) expect(hasPassword(env.value), where).toBe(false);
        }
      }
    }
    for (const configMap of objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) {
        expect(SECRET_NAME.test(key) || CREDENTIAL_URLS.includes(key), key).toBe(false);
        expect(hasPassword(value), key).toBe(false);
      }
    }
  });

  it('reads the tokens and connection URLs from Secrets', () => {
    const secretRefs = (service: string) =>
      Object.fromEntries(
        deployment(objects, service)
          .pod.containers[0]!.env!.filter((e) => e.valueFrom?.secretKeyRef)
          .map((e) => [e.name, e.valueFrom!.secretKeyRef!.name]),
      );
    expect(Object.keys(secretRefs('gateway'))).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN', 'ADMIN_TOKEN', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']));
    expect(Object.keys(secretRefs('worker'))).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']));
    // The search service never holds storage credentials, nor the admin token.
    expect(Object.keys(secretRefs('search')).sort()).toEqual(expect.arrayContaining(['DATABASE_URL', 'INTERNAL_TOKEN', 'REDIS_URL']));
    expect(Object.keys(secretRefs('search')).filter((n) => /^S3_|ADMIN/.test(n))).toEqual([]);
  });

  it('puts every sis pod under a NetworkPolicy for both directions, with DNS allowed out', () => {
    for (const workload of sisWorkloads(objects)) {
      const policies = policiesFor(objects, workload);
      expect(policies, workload.object.metadata.name).toHaveLength(1);
      expect(policies[0].policyTypes.sort()).toEqual(['Egress', 'Ingress']);
      const egressPorts = policies[0].egress.filter((rule: any) => !rule.to).flatMap((rule: any) => rule.ports);
      expect(egressPorts).toEqual(expect.arrayContaining([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }, { protocol: 'TCP', port: 5432 }]));
    }
  });

  it('lets in only what each service serves: the public API, searches from the gateway, scrapes', () => {
    const ingress = (component: string) => policiesFor(objects, sisWorkloads(objects).find((w) => w.labels['app.kubernetes.io/component'] === component)!)[0].ingress;
    const namespaces = (rule: any) => rule.from.map((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']);
    const [publicApi] = ingress('gateway');
    expect(ingress('gateway')).toHaveLength(1);
    expect(namespaces(publicApi).sort()).toEqual(['ingress-nginx', 'monitoring']);
    expect(publicApi.ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
    expect(ingress('search')).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'sis', 'app.kubernetes.io/component': 'gateway' } } }], ports: [{ protocol: 'TCP', port: 8001 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8001 }] },
    ]);
    const [scrapes] = ingress('worker');
    expect(ingress('worker')).toHaveLength(1);
    expect(namespaces(scrapes)).toEqual(['monitoring']);
    expect(scrapes.ports).toEqual([{ protocol: 'TCP', port: 8002 }]);
    expect(ingress('migrate')).toEqual([]);
  });

  it('opens the example Redis, which has no password, to the gateway and the workers only', () => {
    const redis = workloads(objects).find((w) => w.labels['app.kubernetes.io/component'] === 'redis')!;
    const [rule, ...others] = policiesFor(objects, redis).flatMap((p) => p.ingress);
    expect(others).toEqual([]);
    const allowed = sisWorkloads(objects).filter((w) => rule.from.some((peer: any) => selects(peer.podSelector, w.labels)));
    expect(allowed.map((w) => w.labels['app.kubernetes.io/component']).sort()).toEqual(['gateway', 'worker']);
  });
});
