import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { latestEvaluation, num } from './blocks.ts';
import { inputsDigest, type VersionDossier } from './dossier.ts';

const hex = (digest: string | null | undefined) => (digest?.startsWith('sha256:') ? digest.slice(7) : null);

const TASK_APPROACH: Record<string, string> = {
  'binary-classification': 'supervised',
  'multiclass-classification': 'supervised',
  regression: 'supervised',
};

/**
 * The CycloneDX 1.6 ML-BOM of a model version: the model as a `machine-learning-model` component
 * (the BOM's subject) with its artefact hash and model card, its datasets as `data` components with
 * their digests and provenance, the environment image and lockfile with their digests, the code
 * commit, and the model's dependencies on them. The library builds and serialises the parts it
 * models; the model card and the data descriptions, which it does not model, are added to its
 * normalised output. `serialNumber` and timestamp derive from the record, so the same record gives
 * the same BOM.
 */
export function buildBom(d: VersionDossier, tool: { name: string; version: string }): Record<string, unknown> {
  const digest = inputsDigest(d);
  const bom = new Models.Bom();
  // A UUID derived from the inputs digest (version 5 layout bits), so that regenerating is stable.
  const h = hex(digest)!;
  bom.serialNumber = `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  bom.version = 1;
  bom.metadata.timestamp = new Date(d.version.createdAt);
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, tool.name, { version: tool.version }),
  );
  bom.metadata.properties.add(new Models.Property('steward:inputs-digest', digest));

  const model = new Models.Component(Enums.ComponentType.MachineLearningModel, d.model.name, {
    bomRef: `model:${d.model.name}@${d.version.version}`,
    version: String(d.version.version),
    description: d.version.description || d.model.description || undefined,
    group: d.useCase.name,
  });
  const artifact = hex(d.version.artifactDigest);
  if (artifact) model.hashes.set(Enums.HashAlgorithm['SHA-256'], artifact);
  model.externalReferences.add(
    new Models.ExternalReference(d.version.artifactUri, Enums.ExternalReferenceType.Distribution, {
      comment: 'model artefact',
    }),
  );
  if (d.version.code)
    model.externalReferences.add(
      new Models.ExternalReference(d.version.code.repository, Enums.ExternalReferenceType.VCS, {
        comment: `commit ${d.version.code.commit}${d.version.code.path ? `, ${d.version.code.path}` : ''}`,
      }),
    );
  for (const link of d.version.documentation)
    model.externalReferences.add(
      new Models.ExternalReference(link.url, Enums.ExternalReferenceType.Documentation, { comment: link.title }),
    );
  const props: [string, string][] = [
    ['steward:use-case', d.useCase.name],
    ['steward:stage', d.version.stage],
    ...(d.version.framework ? [['steward:framework', d.version.framework] as [string, string]] : []),
    ...(d.assessment
      ? [
          ['steward:tier', String(d.assessment.tier)] as [string, string],
          ['steward:eu-ai-act', d.assessment.euAiAct] as [string, string],
        ]
      : []),
    ...(d.version.code ? [['steward:code.commit', d.version.code.commit] as [string, string]] : []),
  ];
  for (const [k, v] of props) model.properties.add(new Models.Property(k, v));
  bom.metadata.component = model;

  const dataRefs: string[] = [];
  for (const ds of d.datasets) {
    const c = new Models.Component(Enums.ComponentType.Data, ds.name, {
      bomRef: `dataset:${ds.name}@${ds.version}:${ds.role}`,
      version: String(ds.version),
    });
    const dh = hex(ds.digest);
    if (dh) c.hashes.set(Enums.HashAlgorithm['SHA-256'], dh);
    c.properties.add(new Models.Property('steward:dataset.role', ds.role));
    if (ds.legalRegion) c.properties.add(new Models.Property('steward:dataset.legal-region', ds.legalRegion));
    c.properties.add(new Models.Property('steward:dataset.personal-data', String(ds.personalData)));
    bom.components.add(c);
    model.dependencies.add(c.bomRef);
    dataRefs.push(c.bomRef.value!);
  }
  const env = d.version.environment;
  if (env?.imageDigest) {
    const c = new Models.Component(Enums.ComponentType.Container, env.image ?? 'training environment', {
      bomRef: 'environment:image',
    });
    c.hashes.set(Enums.HashAlgorithm['SHA-256'], hex(env.imageDigest)!);
    bom.components.add(c);
    model.dependencies.add(c.bomRef);
  }
  if (env?.lockfileDigest) {
    const c = new Models.Component(Enums.ComponentType.File, env.lockfile ?? 'lockfile', {
      bomRef: 'environment:lockfile',
    });
    c.hashes.set(Enums.HashAlgorithm['SHA-256'], hex(env.lockfileDigest)!);
    bom.components.add(c);
    model.dependencies.add(c.bomRef);
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const json = JSON.parse(serializer.serialize(bom, { sortLists: true })) as {
    metadata: { component: Record<string, unknown> };
    components?: Record<string, unknown>[];
  };
  json.metadata.component.modelCard = modelCard(d, dataRefs);
  if (d.version.code)
    json.metadata.component.pedigree = {
      commits: [{ uid: d.version.code.commit, url: d.version.code.repository }],
    };
  for (const c of json.components ?? []) {
    const ds = d.datasets.find((x) => `dataset:${x.name}@${x.version}:${x.role}` === c['bom-ref']);
    if (ds) c.data = [componentData(ds)];
  }
  return json;
}

function componentData(ds: VersionDossier['datasets'][number]) {
  const sensitive = [
    ...ds.piiColumns.map((c) => `${c.column}: ${c.kind}`),
    ...ds.protectedColumns.map((c) => `${c}: protected attribute`),
  ];
  const provenance = ds.provenance
    ? `Collected by ${ds.provenance.method} from ${ds.provenance.source}${ds.provenance.lawfulBasis ? ` (lawful basis: ${ds.provenance.lawfulBasis})` : ''}.`
    : 'Provenance not recorded.';
  return {
    type: 'dataset',
    name: `${ds.name} v${ds.version}`,
    ...(ds.uri ? { contents: { url: ds.uri } } : {}),
    ...(ds.personalData ? { classification: 'personal data' } : {}),
    ...(sensitive.length > 0 ? { sensitiveData: sensitive } : {}),
    description: `${ds.role} data, ${ds.rowCount ?? 'unknown number of'} rows, digest ${ds.digest}. ${provenance}`,
  };
}

function modelCard(d: VersionDossier, dataRefs: string[]) {
  const e = latestEvaluation(d);
  const metrics = e
    ? Object.entries(e.performance).map(([type, v]) => ({ type, value: num(v) }))
    : Object.entries(d.version.metrics).map(([type, v]) => ({ type, value: num(v) }));
  const sliced = (e?.fairness ?? []).flatMap((f) =>
    f.groups.map((g) => ({ type: f.metric, value: num(g.value), slice: `${f.attribute}=${g.group}` })),
  );
  const fairnessAssessments = (e?.fairness ?? []).map((f) => {
    const worst = [...f.groups].sort((a, b) => (a.value ?? Infinity) - (b.value ?? Infinity))[0];
    return {
      groupAtRisk: `${f.attribute}=${worst?.group ?? 'n/a'}`,
      harms: `${f.metric} ${num(worst?.value ?? null)} against ${num(f.overall)} overall (difference between groups ${num(f.difference)}, ratio ${num(f.ratio)})`,
    };
  });
  const documents = (kinds: string[]) => d.documents.filter((x) => kinds.includes(x.kind));
  return {
    modelParameters: {
      ...(e && TASK_APPROACH[e.task] ? { approach: { type: TASK_APPROACH[e.task] } } : {}),
      ...(e ? { task: e.task } : {}),
      ...(d.version.framework ? { architectureFamily: d.version.framework } : {}),
      ...(dataRefs.length > 0 ? { datasets: dataRefs.map((ref) => ({ ref })) } : {}),
    },
    quantitativeAnalysis: { performanceMetrics: [...metrics, ...sliced] },
    considerations: {
      users: [d.useCase.consumers, `owner team ${d.useCase.ownerTeam}`],
      useCases: [d.useCase.objective],
      technicalLimitations: documents(['limitations', 'model-limitations']).map((x) => `${x.title} (${x.contentHash})`),
      ethicalConsiderations: documents(['ethical-considerations', 'harm-assessment', 'dpia']).map((x) => ({
        name: `${x.title} (${x.kind}, ${x.contentHash})`,
      })),
      fairnessAssessments,
    },
    properties: [
      ...Object.entries(d.version.params).map(([k, v]) => ({ name: `steward:param.${k}`, value: String(v) })),
    ],
  };
}
