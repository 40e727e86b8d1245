// Reading Kubernetes AdmissionReview requests (admission.k8s.io/v1): which workload, which model
// version it claims to run, and in which environment. Pure functions over the JSON the API server
// sends; nothing here trusts a field to exist or to have its documented type.

/** The annotations a workload names its model version and environment with. */
export const ANNOTATIONS = {
  model: 'steward.dev/model',
  version: 'steward.dev/version',
  environment: 'steward.dev/environment',
  exempt: 'steward.dev/exempt',
} as const;

/** Kinds Steward reviews, by `group/kind` (the core group is empty). */
export const REVIEWED_KINDS = [
  '/Pod',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/ReplicaSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'serving.kserve.io/InferenceService',
] as const;

const ENVIRONMENTS = ['development', 'preproduction', 'production'] as const;
export type AdmissionEnvironment = (typeof ENVIRONMENTS)[number];

/** What a review is about, once read. */
export interface Workload {
  uid: string;
  operation: string;
  dryRun: boolean;
  kind: string;
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  images: string[];
  /** KServe model locations (`storageUri`), matched against versions' artefact URIs. */
  storageUris: string[];
}

export type ReadReview = { ok: true; workload: Workload } | { ok: false; uid: string; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function stringRecord(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function containerImages(podSpec: unknown): string[] {
  if (!isObject(podSpec)) return [];
  const lists = [podSpec.containers, podSpec.initContainers, podSpec.ephemeralContainers];
  return lists
    .flatMap((l) => (Array.isArray(l) ? l.map((c) => (isObject(c) ? str(c.image) : undefined)) : []))
    .filter((i): i is string => i !== undefined);
}

const path = (v: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((acc, k) => (isObject(acc) ? acc[k] : undefined), v);

/** The pod template of a workload kind (the object itself for a Pod). */
function podTemplate(kind: string, object: Json): { metadata: unknown; spec: unknown } {
  if (kind === '/Pod') return { metadata: object.metadata, spec: object.spec };
  if (kind === 'batch/CronJob')
    return {
      metadata: path(object, 'spec', 'jobTemplate', 'spec', 'template', 'metadata'),
      spec: path(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec'),
    };
  return { metadata: path(object, 'spec', 'template', 'metadata'), spec: path(object, 'spec', 'template', 'spec') };
}

/** KServe predictors (and transformers/explainers) carry a model `storageUri` and/or containers. */
function inferenceService(object: Json): { images: string[]; storageUris: string[] } {
  const images: string[] = [];
  const storageUris: string[] = [];
  for (const component of ['predictor', 'transformer', 'explainer']) {
    const c = path(object, 'spec', component);
    if (!isObject(c)) continue;
    for (const [key, value] of Object.entries(c)) {
      if (key === 'containers') images.push(...containerImages(c));
      else if (isObject(value)) {
        const uri = str(value.storageUri);
        if (uri) storageUris.push(uri);
        const image = str(value.image);
        if (image) images.push(image);
      }
    }
  }
  return { images, storageUris };
}

/**
 * Reads an AdmissionReview request body. Anything that is not a v1 AdmissionReview of a reviewed
 * kind is a reason to deny (the uid, when there is one, is kept so the answer can echo it).
 */
export function readReview(body: unknown): ReadReview {
  const uid = str(path(body, 'request', 'uid')) ?? '';
  const refuse = (reason: string): ReadReview => ({ ok: false, uid, reason });
  if (!isObject(body)) return refuse('the body is not an AdmissionReview object');
  if (body.apiVersion !== 'admission.k8s.io/v1')
    return refuse(`apiVersion must be admission.k8s.io/v1 (got ${JSON.stringify(body.apiVersion ?? null)})`);
  if (body.kind !== 'AdmissionReview')
    return refuse(`kind must be AdmissionReview (got ${JSON.stringify(body.kind ?? null)})`);
  const request = body.request;
  if (!isObject(request)) return refuse('request is missing');
  if (!uid) return refuse('request.uid is missing');
  const operation = str(request.operation);
  if (!operation) return refuse('request.operation is missing');
  const group = str(path(request, 'kind', 'group'));
  const kindName = str(path(request, 'kind', 'kind'));
  if (group === undefined || !kindName) return refuse('request.kind is missing its group or kind');
  const kind = `${group}/${kindName}`;
  if (!(REVIEWED_KINDS as readonly string[]).includes(kind))
    return refuse(
      `Steward does not review ${kindName}${group ? ` (${group})` : ''}: it reviews ${REVIEWED_KINDS.map((k) => k.replace(/^\//, '')).join(', ')}`,
    );
  const object = request.object;
  const workload = (o: Json, images: string[], storageUris: string[], annotations: Record<string, string>) => ({
    ok: true as const,
    workload: {
      uid,
      operation,
      dryRun: request.dryRun === true,
      kind,
      namespace: str(request.namespace) ?? str(path(o, 'metadata', 'namespace')) ?? '',
      name: str(request.name) ?? str(path(o, 'metadata', 'name')) ?? str(path(o, 'metadata', 'generateName')) ?? '',
      annotations,
      images,
      storageUris,
    },
  });
  if (operation === 'DELETE' || operation === 'CONNECT') return workload({}, [], [], {});
  if (!isObject(object)) return refuse(`request.object is missing for ${operation}`);
  const own = stringRecord(path(object, 'metadata', 'annotations'));
  if (kind === 'serving.kserve.io/InferenceService') {
    const { images, storageUris } = inferenceService(object);
    return workload(object, images, storageUris, own);
  }
  const template = podTemplate(kind, object);
  // The template's annotations end up on the pods; the workload's own win where both name a key.
  const annotations = { ...stringRecord(path(template.metadata, 'annotations')), ...own };
  return workload(object, containerImages(template.spec), [], annotations);
}

/** `sha256:…` digests pinned in image references (`registry/name@sha256:…`). */
export function imageDigests(images: string[]): string[] {
  const out = new Set<string>();
  for (const image of images) {
    const m = /@(sha256:[0-9a-f]{64})$/.exec(image);
    if (m) out.add(m[1]!);
  }
  return [...out];
}

/** The environment a workload names, or the reason it names none that Steward knows. */
export function environmentOf(
  w: Workload,
  namespaces: Record<string, string>,
): { environment: AdmissionEnvironment } | { reason: string } {
  const named = w.annotations[ANNOTATIONS.environment] ?? namespaces[w.namespace];
  if (named === undefined)
    return {
      reason: `no environment: annotate the workload with ${ANNOTATIONS.environment} (${ENVIRONMENTS.join(', ')}) or map namespace '${w.namespace}' in STEWARD_ADMISSION_NAMESPACES`,
    };
  if (!(ENVIRONMENTS as readonly string[]).includes(named))
    return { reason: `${ANNOTATIONS.environment} must be one of ${ENVIRONMENTS.join(', ')} (got '${named}')` };
  return { environment: named as AdmissionEnvironment };
}

/** The model version the annotations name, or why they name none (or name one badly). */
export function annotatedVersion(w: Workload): { model: string; version: number } | { reason: string } | undefined {
  const model = w.annotations[ANNOTATIONS.model];
  const version = w.annotations[ANNOTATIONS.version];
  if (model === undefined && version === undefined) return undefined;
  if (model === undefined || version === undefined)
    return { reason: `annotate both ${ANNOTATIONS.model} and ${ANNOTATIONS.version}` };
  if (!/^[1-9]\d{0,8}$/.test(version))
    return { reason: `${ANNOTATIONS.version} must be a version number (got '${version.slice(0, 40)}')` };
  return { model, version: Number(version) };
}
