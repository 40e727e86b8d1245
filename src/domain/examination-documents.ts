import type {
  AssessmentSummary,
  DatasetUse,
  DocumentSummary,
  DossierFinding,
  Signer,
  UseCaseDossier,
  UseCaseSummary,
  VersionDossier,
} from './exports/dossier.ts';
import { generatedInputsDigest } from './exports/dossier.ts';
import { documentOf, evaluationOf, type EvidenceRecord } from './exports/summaries.ts';
import type { PackState, SubjectState } from './examination.ts';

/**
 * The records generated documents are made from, as they stood at a pack's date: built from the
 * state folded from the audit trail up to then (tier, signatures and their validity, lifecycle and
 * monitoring then), plus the evidence recorded by then, whose content the trail's hashes pin.
 * Nothing here reads today's rows, so the documents show what a reader would have got on that date.
 */

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x !== null && typeof x === 'object' ? (x as Obj) : {});
const str = (x: unknown, fallback = ''): string => (typeof x === 'string' ? x : fallback);
const strOrNull = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** A piece of evidence recorded by the pack's date, with its stored content (checked against the trail). */
export interface AsOfEvidence extends EvidenceRecord {
  kind: string;
  metrics: Record<string, number | null>;
}

/** Per-subject lookups over a folded state, built once for all the documents of a pack. */
export interface AsOfIndex {
  state: PackState;
  useCases: Map<string, SubjectState>;
  models: Map<string, SubjectState>;
  versions: Map<string, SubjectState>;
  datasets: Map<string, SubjectState>;
  assessments: Map<string, SubjectState>;
  signaturesOf: Map<string, PackState['signatures']>;
  lifecycleOf: Map<string, PackState['lifecycle']>;
  monitoringOf: Map<string, PackState['monitoring']>;
  findingsOf: Map<string, SubjectState[]>;
  /** Dataset versions by `<dataset id>@<version>`. */
  datasetVersions: Map<string, Obj>;
  /** Completed promotions of each model's versions, oldest first. */
  promotionsOf: Map<string, PackState['lifecycle']>;
  /** Who verified each deployment (by deployment id). */
  verifiedBy: Map<string, string>;
}

const group = <T>(xs: T[], key: (x: T) => string | undefined): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
};

/** Indexes a folded state by subject. */
export function indexState(state: PackState): AsOfIndex {
  const byId = (xs: SubjectState[]) => new Map(xs.map((x) => [x.id, x]));
  const models = byId(state.models);
  const modelIdOf = new Map(state.versions.map((v) => [v.id, str(obj(v.state).modelId)]));
  const datasetVersions = new Map<string, Obj>();
  for (const d of state.datasets) {
    const s = obj(d.state);
    if (typeof s.datasetId === 'string' && typeof s.version === 'number')
      datasetVersions.set(`${s.datasetId}@${s.version}`, s);
  }
  const verifiedBy = new Map<string, string>();
  for (const x of state.lifecycle)
    if (x.action === 'deployment.verify') verifiedBy.set(str(obj(x.state).deployment), x.actor ?? 'system');
  const alertOn = new Map<string, string>();
  for (const m of state.monitoring)
    if (m.action === 'alert.open') {
      const id = str(obj(obj(m.state).alert).id);
      if (id) alertOn.set(id, m.subject.id);
    }
  return {
    state,
    useCases: byId(state.useCases),
    models,
    versions: byId(state.versions),
    datasets: byId(state.datasets),
    assessments: byId(state.assessments),
    signaturesOf: group(state.signatures, (s) => s.subject.id),
    lifecycleOf: group(state.lifecycle, (x) => x.subject),
    monitoringOf: group(state.monitoring, (x) =>
      x.subject.type === 'alert' ? alertOn.get(x.subject.id) : x.subject.id,
    ),
    findingsOf: group(state.findings, (f) => strOrNull(obj(obj(f.state).subject).id) ?? undefined),
    datasetVersions,
    promotionsOf: group(
      state.lifecycle.filter((x) => x.action === 'promotion.complete'),
      (x) => modelIdOf.get(x.subject),
    ),
    verifiedBy,
  };
}

function useCaseSummary(u: SubjectState): UseCaseSummary {
  const s = obj(u.state);
  return {
    id: u.id,
    name: str(s.name),
    objective: str(s.objective),
    ownerTeam: str(s.ownerTeam),
    consumers: str(s.consumers),
    regions: Array.isArray(s.regions) ? s.regions.map(String) : [],
    sector: str(s.sector),
    processesPersonalData: s.processesPersonalData === true,
    kpis: (Array.isArray(s.kpis) ? s.kpis : []).map((k) => {
      const x = obj(k);
      return { name: str(x.name), target: x.target, ...(typeof x.unit === 'string' ? { unit: x.unit } : {}) };
    }),
  };
}

function assessmentSummary(a: SubjectState | undefined): AssessmentSummary | null {
  const s = obj(a?.state);
  if (typeof s.tier !== 'number') return null;
  const policy = obj(s.policy);
  const override = s.override === null || s.override === undefined ? null : obj(s.override);
  return {
    tier: s.tier,
    assessedTier: typeof s.assessedTier === 'number' ? s.assessedTier : s.tier,
    euAiAct: str(s.euAiAct, 'not assessed'),
    tags: Array.isArray(s.tags) ? s.tags.map(String) : [],
    policy: { name: str(policy.name), version: str(policy.version) },
    reviewBy: str(s.reviewBy),
    trace: (Array.isArray(s.trace) ? s.trace : []).map((t) => {
      const r = obj(t);
      return {
        rule: str(r.rule),
        description: str(r.description),
        ...(typeof r.tier === 'number' ? { tier: r.tier } : {}),
        ...(typeof r.euAiAct === 'string' ? { euAiAct: r.euAiAct } : {}),
      };
    }),
    override: override ? { tier: Number(override.tier), reason: str(override.reason) } : null,
    answers: obj(s.answers),
  };
}

/** A signature as it stood then: valid unless something up to then made it stale. */
function signerOf(s: PackState['signatures'][number]): Signer {
  const m = obj(obj(s.state).manifest);
  const who = obj(m.signer);
  return {
    name: str(who.name),
    username: str(who.username),
    role: str(m.role),
    meaning: str(m.meaning),
    step: str(m.step),
    signedAt: str(m.signedAt),
    comment: str(m.comment),
    status: s.statusAsOf,
  };
}

function datasetUses(ix: AsOfIndex, version: Obj): DatasetUse[] {
  return (Array.isArray(version.datasets) ? version.datasets : []).map((x) => {
    const use = obj(x);
    const ds = obj(ix.datasets.get(str(use.datasetId))?.state);
    const dv = ix.datasetVersions.get(`${str(use.datasetId)}@${String(use.version)}`) ?? {};
    const prov = ds.provenance === undefined ? null : obj(ds.provenance);
    const columns = (Array.isArray(ds.columns) ? ds.columns : []).map(obj);
    return {
      name: str(use.dataset, str(ds.name)),
      version: Number(use.version),
      role: str(use.role),
      digest: str(use.digest),
      rowCount: typeof dv.rowCount === 'number' ? dv.rowCount : null,
      uri: strOrNull(dv.uri),
      legalRegion: strOrNull(ds.legalRegion),
      provenance: prov
        ? {
            method: str(prov.method),
            source: str(prov.source),
            ...(typeof prov.lawfulBasis === 'string' ? { lawfulBasis: prov.lawfulBasis } : {}),
            ...(typeof prov.collectedFrom === 'string' ? { collectedFrom: prov.collectedFrom } : {}),
            ...(typeof prov.collectedTo === 'string' ? { collectedTo: prov.collectedTo } : {}),
          }
        : null,
      personalData: ds.containsPersonalData === true,
      piiColumns: columns
        .filter((c) => typeof c.piiKind === 'string' && c.piiKind !== 'none')
        .map((c) => ({ column: str(c.name), kind: str(c.piiKind) })),
      protectedColumns: columns.filter((c) => c.protected === true).map((c) => str(c.name)),
    };
  });
}

function findingOf(f: SubjectState, on: string): DossierFinding {
  const s = obj(f.state);
  return {
    id: f.id,
    on,
    severity: str(s.severity),
    title: str(s.title),
    status: str(s.status),
    owner: str(obj(s.owner).username),
    dueDate: str(s.dueDate),
    remediation: str(s.remediation),
    closedAt: strOrNull(obj(s.closed).at),
  };
}

/**
 * The record of one version as it stood at the pack's date; null when the version, its model or
 * its use case is not in the state. `evidence` is the version's evidence recorded by then.
 */
export function versionDossierAsOf(ix: AsOfIndex, versionId: string, evidence: AsOfEvidence[]): VersionDossier | null {
  const v = ix.versions.get(versionId);
  const vs = obj(v?.state);
  const m = ix.models.get(str(vs.modelId));
  const ms = obj(m?.state);
  const u = ix.useCases.get(str(ms.useCaseId));
  if (!v || !m || !u) return null;
  const signatures = ix.signaturesOf.get(versionId) ?? [];
  const lifecycle = ix.lifecycleOf.get(versionId) ?? [];
  const monitoring = [...(ix.monitoringOf.get(versionId) ?? []), ...(ix.monitoringOf.get(u.id) ?? [])];
  const transition = lifecycle.filter((x) => x.action === 'lifecycle.transition').at(-1);
  // Requirement statuses as computed when the version was last signed by then (each signature records them).
  const lastSigned = signatures.filter((s) => obj(obj(s.state).manifest).requirements !== undefined).at(-1);
  const requirements = (
    (obj(obj(lastSigned?.state).manifest).requirements as { measure: string; status: string }[] | undefined) ?? []
  ).map((r) => ({ measure: r.measure, title: r.measure, status: r.status }));
  const robustness = evidence.filter((e) => e.kind === 'robustness');
  const alerts = new Map<string, DossierAlert>();
  const incidents = new Map<string, DossierAlert & { versionId: string | null }>();
  for (const x of monitoring) {
    const s = obj(x.state);
    if (x.action === 'alert.open') {
      const a = obj(s.alert);
      alerts.set(str(a.id), {
        rule: str(a.rule),
        severity: str(a.severity),
        status: str(a.state),
        openedAt: str(a.openedAt),
      });
    } else if (x.subject.type === 'alert' && alerts.has(x.subject.id))
      alerts.get(x.subject.id)!.status = str(s.state, alerts.get(x.subject.id)!.status);
    else if (x.action.startsWith('incident.') && typeof s.id === 'string')
      incidents.set(s.id, {
        rule: str(s.title),
        severity: str(s.severity),
        status: str(s.state),
        openedAt: str(s.openedAt, incidents.get(s.id)?.openedAt ?? ''),
        versionId: strOrNull(s.versionId),
      });
  }
  const name = str(ms.name);
  return {
    kind: 'model-version',
    model: { name, description: str(ms.description), tags: obj(ms.tags) as Record<string, string> },
    version: {
      id: v.id,
      version: Number(vs.version),
      artifactUri: str(vs.artifactUri),
      artifactDigest: strOrNull(vs.artifactDigest),
      framework: strOrNull(vs.framework),
      params: obj(vs.params),
      metrics: obj(vs.metrics) as Record<string, number>,
      code: vs.code ? (vs.code as VersionDossier['version']['code']) : null,
      environment: vs.environment ? (vs.environment as VersionDossier['version']['environment']) : null,
      documentation: Array.isArray(vs.documentation) ? (vs.documentation as { title: string; url: string }[]) : [],
      description: str(vs.description),
      stage: str(vs.stage, 'none'),
      createdAt: str(vs.createdAt),
      createdBy: strOrNull(vs.createdBy),
      aliases: Array.isArray(vs.aliases) ? vs.aliases.map(String) : [],
    },
    useCase: useCaseSummary(u),
    assessment: assessmentSummary(ix.assessments.get(u.id)),
    datasets: datasetUses(ix, vs),
    evaluations: evidence.filter((e) => e.kind === 'evaluation').map(evaluationOf),
    // Documents Steward generated are not inputs of the next one.
    documents: evidence
      .filter((e) => e.kind === 'document')
      .map(documentOf)
      .filter((d) => generatedInputsDigest(d.content) === null),
    robustness:
      robustness.length > 0
        ? robustness.map((e) => ({ id: e.id, contentHash: e.contentHash, metrics: e.metrics }))
        : null,
    challengers: null,
    findings: [
      ...(ix.findingsOf.get(u.id) ?? []).map((f) => findingOf(f, str(obj(u.state).name))),
      ...(ix.findingsOf.get(versionId) ?? []).map((f) => findingOf(f, `${name}/${str(vs.version)}`)),
    ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    lifecycle: {
      step: transition ? strOrNull(obj(transition.state).step) : null,
      requirements,
      requirementsAt: lastSigned ? str(obj(obj(lastSigned.state).manifest).signedAt) : null,
    },
    signatures: signatures.map(signerOf),
    useCaseSignatures: (ix.signaturesOf.get(u.id) ?? []).map(signerOf),
    deployments: deploymentsOf(ix, v.id, str(vs.modelId)),
    monitoring: {
      alerts: [...alerts.values()],
      incidents: [...incidents.values()]
        .filter((i) => i.versionId === null || i.versionId === v.id)
        .map((i) => ({ title: i.rule, severity: i.severity, status: i.status, openedAt: i.openedAt })),
    },
  };
}

interface DossierAlert {
  rule: string;
  severity: string;
  status: string;
  openedAt: string;
}

/**
 * The version's deployments then: each completed promotion, until a later one of the same model
 * to the same environment and mode replaced it (by the pack's date).
 */
function deploymentsOf(ix: AsOfIndex, versionId: string, modelId: string): VersionDossier['deployments'] {
  const completed = ix.promotionsOf.get(modelId) ?? [];
  return completed
    .filter((x) => x.subject === versionId)
    .map((x) => {
      const s = obj(x.state);
      const next = completed.find(
        (y) => y.seq > x.seq && obj(y.state).environment === s.environment && obj(y.state).mode === s.mode,
      );
      return {
        environment: str(s.environment),
        mode: str(s.mode),
        since: x.time,
        until: next ? next.time : null,
        verifiedBy: ix.verifiedBy.get(str(s.deployment)) ?? null,
      };
    });
}

/**
 * The record of a use case (for its Annex IV file) as it stood then: its own documents recorded by
 * then (`documents`), its sign-offs then and each of its versions' records (`versions`).
 */
export function useCaseDossierAsOf(
  ix: AsOfIndex,
  useCaseId: string,
  versions: VersionDossier[],
  documents: DocumentSummary[],
): UseCaseDossier | null {
  const u = ix.useCases.get(useCaseId);
  if (!u) return null;
  return {
    kind: 'use-case',
    useCase: useCaseSummary(u),
    assessment: assessmentSummary(ix.assessments.get(u.id)),
    documents: [
      ...documents.filter((d) => generatedInputsDigest(d.content) === null),
      ...versions.flatMap((v) => v.documents),
    ],
    signatures: (ix.signaturesOf.get(u.id) ?? []).map(signerOf),
    // Ethics alignments are not in the trail's state yet: none is claimed.
    ethicalAlignment: [],
    versions,
  };
}
