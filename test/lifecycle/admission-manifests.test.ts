import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EnvSchema } from '../../src/config.ts';
import { REVIEWED_KINDS } from '../../src/features/admission/admission.fns.ts';

const root = new URL('../../deploy/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const docs = (path: string) => parseAllDocuments(read(path)).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

// The resource each reviewed kind is requested as (group/resource).
const RESOURCES: Record<(typeof REVIEWED_KINDS)[number], string> = {
  '/Pod': '/pods',
  'apps/Deployment': 'apps/deployments',
  'apps/StatefulSet': 'apps/statefulsets',
  'apps/ReplicaSet': 'apps/replicasets',
  'apps/DaemonSet': 'apps/daemonsets',
  'batch/Job': 'batch/jobs',
  'batch/CronJob': 'batch/cronjobs',
  'serving.kserve.io/InferenceService': 'serving.kserve.io/inferenceservices',
};

describe('Kubernetes manifests', () => {
  it('register the webhook for every kind Steward reviews, failing closed, with the CA from cert-manager', () => {
    const [config] = docs('kubernetes/admission.yaml');
    expect(config!.kind).toBe('ValidatingWebhookConfiguration');
    const [hook] = config!.webhooks;
    expect(hook.clientConfig.service.path).toBe('/api/v1/admission');
    expect(hook.admissionReviewVersions).toEqual(['v1']);
    expect(hook.failurePolicy).toBe('Fail');
    expect(hook.namespaceSelector.matchLabels).toEqual({ 'steward.dev/governed': 'true' });
    const registered = hook.rules.flatMap((r: { apiGroups: string[]; resources: string[] }) =>
      r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)),
    );
    expect(registered.sort()).toEqual(Object.values(RESOURCES).sort());
    const certificate = docs('kubernetes/certificate.yaml').find((d) => d.kind === 'Certificate')!;
    expect(config!.metadata.annotations['cert-manager.io/inject-ca-from']).toBe(
      `${certificate.metadata.namespace}/${certificate.metadata.name}`,
    );
    const service = docs('kubernetes/steward.yaml').find((d) => d.kind === 'Service')!;
    expect(hook.clientConfig.service).toMatchObject({
      name: service.metadata.name,
      namespace: service.metadata.namespace,
    });
    for (const name of [
      `${service.metadata.name}.${service.metadata.namespace}.svc`,
      `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
    ])
      expect(certificate.spec.dnsNames).toContain(name);
  });

  it('set only environment variables Steward reads, in the manifests and the Helm chart', () => {
    const known = new Set(Object.keys(EnvSchema.properties));
    const files = [
      'kubernetes/steward.yaml',
      ...readdirSync(new URL('helm/steward/templates/', root)).map((f) => `helm/steward/templates/${f}`),
    ];
    const names = files.flatMap((f) => [...read(f).matchAll(/name: (STEWARD_[A-Z_]+|PORT|HOST)\b/g)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(8);
    for (const n of names) expect(known, `${n} is not a Steward setting`).toContain(n);
    // The chart registers the same resources as the plain manifests.
    const chartHook = read('helm/steward/templates/admission.yaml');
    for (const resource of Object.values(RESOURCES)) expect(chartHook).toContain(resource.split('/')[1]);
    expect(chartHook).toContain('path: /api/v1/admission');
  });
});
