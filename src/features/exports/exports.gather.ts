import type {
  AssessmentSummary,
  DatasetUse,
  DocumentSummary,
  DossierFinding,
  Signer,
  UseCaseDossier,
  UseCaseSummary,
  VersionDossier,
} from '../../domain/exports/dossier.ts';
import { generatedInputsDigest } from '../../domain/exports/dossier.ts';
import { documentOf, evaluationOf } from '../../domain/exports/summaries.ts';
import type { Page } from '../../lib/pagination.ts';
import type { DatasetService } from '../datasets/datasets.service.ts';
import type { Evidence } from '../evidence/evidence.service.ts';
import type { SignatureView } from '../lifecycle/governance.service.ts';
import type { ModelService } from '../models/models.service.ts';
import type { Alert, Incident } from '../monitoring/alerts.service.ts';
import type { Assessment } from '../policy/assessments.service.ts';
import type { UseCaseService } from '../use-cases/use-cases.service.ts';
import type { VersionService } from '../versions/versions.service.ts';

/** What gathering a record reads: other features' services, narrowed to their reads. */
export interface GatherDeps {
  versions: Pick<VersionService, 'get' | 'list'>;
  models: Pick<ModelService, 'get' | 'list'>;
  useCases: Pick<UseCaseService, 'get'>;
  datasets: Pick<DatasetService, 'get' | 'getVersion'>;
  assessments: { history(useCaseId: string): Promise<{ current: Assessment | null }> };
  evidence: { list(model: string, version: number): Promise<Evidence[]> };
  lifecycle: {
    status(
      model: string,
      version: number,
    ): Promise<{
      step: string | null;
      requirements: { measure: string; title?: string; status: string }[];
      signatures: SignatureView[];
      deployments: {
        environment: string;
        mode: string;
        since: string;
        until: string | null;
        verifiedBy: string | null;
      }[];
    }>;
    useCaseStatus(useCaseId: string): Promise<{
      documents: {
        id: string;
        kind: string;
        title: string;
        uri: string | null;
        contentHash: string;
        createdAt: string;
      }[];
      signatures: SignatureView[];
    }>;
  };
  /** A use case's documents with their content (Markdown, when recorded with one). */
  useCaseDocuments(useCaseId: string): Promise<{ id: string; content: string | null }[]>;
  /** Findings raised on these subjects (a version and its use case), oldest first (findings). */
  findings?(subjectIds: string[]): Promise<DossierFinding[]>;
  alerts: {
    list(where: { versionId?: string; useCaseId?: string }, limit: number): Promise<{ items: Alert[] }>;
    incidents(where: { useCaseId?: string }, limit: number): Promise<Incident[]>;
  };
  ethics: {
    alignment(
      useCaseId: string,
    ): Promise<{ alignments: { positionVersion: number; statement: string; recordedAt: string }[] }>;
  };
}

const MONITORING_LIMIT = 200;

const signer = (s: SignatureView): Signer => ({
  name: s.signer.name,
  username: s.signer.username,
  role: s.role,
  meaning: s.meaning,
  step: s.step,
  signedAt: s.signedAt,
  comment: s.comment,
  status: s.status,
});

function assessmentOf(a: Assessment | null): AssessmentSummary | null {
  if (!a) return null;
  return {
    tier: a.tier,
    assessedTier: a.assessedTier,
    euAiAct: a.euAiAct,
    tags: a.tags,
    policy: { name: a.policy.name, version: a.policy.version },
    reviewBy: a.reviewBy,
    trace: a.trace.map((r) => ({
      rule: r.rule,
      description: r.description,
      ...(r.tier !== undefined ? { tier: r.tier } : {}),
      ...(r.euAiAct !== undefined ? { euAiAct: r.euAiAct } : {}),
    })),
    override: a.override ? { tier: a.override.tier, reason: a.override.reason } : null,
    answers: a.answers as Record<string, unknown>,
  };
}

async function useCaseSummary(deps: GatherDeps, id: string): Promise<UseCaseSummary> {
  const u = await deps.useCases.get(id);
  return {
    id: u.id,
    name: u.name,
    objective: u.objective,
    ownerTeam: u.ownerTeam,
    consumers: u.consumers,
    regions: u.regions,
    sector: u.sector,
    processesPersonalData: u.processesPersonalData,
    kpis: u.kpis.map((k) => ({ name: k.name, target: k.target, ...(k.unit ? { unit: k.unit } : {}) })),
  };
}

async function datasetUse(deps: GatherDeps, d: { datasetId: string; version: number; role: string; digest: string }) {
  const [ds, dv] = await Promise.all([
    deps.datasets.get(d.datasetId),
    deps.datasets.getVersion(d.datasetId, d.version),
  ]);
  const pii = ds.columns.filter((c) => c.piiKind && c.piiKind !== 'none');
  const use: DatasetUse = {
    name: ds.name,
    version: d.version,
    role: d.role,
    digest: d.digest,
    rowCount: dv.rowCount,
    uri: dv.uri,
    legalRegion: ds.legalRegion,
    provenance: {
      method: ds.provenance.method,
      source: ds.provenance.source,
      ...(ds.provenance.lawfulBasis ? { lawfulBasis: ds.provenance.lawfulBasis } : {}),
      ...(ds.provenance.collectedFrom ? { collectedFrom: ds.provenance.collectedFrom } : {}),
      ...(ds.provenance.collectedTo ? { collectedTo: ds.provenance.collectedTo } : {}),
    },
    personalData: ds.containsPersonalData,
    piiColumns: pii.map((c) => ({ column: c.name, kind: String(c.piiKind) })),
    protectedColumns: ds.columns.filter((c) => c.protected).map((c) => c.name),
  };
  return use;
}

/** Gathers the record a version's documents and BOM are made from (404 when the version does not exist). */
export async function gatherVersion(deps: GatherDeps, model: string, version: number): Promise<VersionDossier> {
  const v = await deps.versions.get(model, version);
  const m = await deps.models.get(model);
  const [useCase, history, evidence, status, caseStatus, datasets, alerts, incidents, findings] = await Promise.all([
    useCaseSummary(deps, m.useCaseId),
    deps.assessments.history(m.useCaseId),
    deps.evidence.list(model, version),
    deps.lifecycle.status(model, version),
    deps.lifecycle.useCaseStatus(m.useCaseId),
    Promise.all(v.datasets.map((d) => datasetUse(deps, d))),
    deps.alerts.list({ versionId: v.id }, MONITORING_LIMIT),
    deps.alerts.incidents({ useCaseId: m.useCaseId }, MONITORING_LIMIT),
    deps.findings ? deps.findings([v.id, m.useCaseId]) : null,
  ]);
  const robustness = evidence.filter((e) => e.kind === 'robustness');
  return {
    kind: 'model-version',
    model: { name: m.name, description: m.description, tags: m.tags },
    version: {
      id: v.id,
      version: v.version,
      artifactUri: v.artifactUri,
      artifactDigest: v.artifactDigest,
      framework: v.framework,
      params: v.params,
      metrics: v.metrics,
      code: v.code,
      environment: v.environment,
      documentation: v.documentation,
      description: v.description,
      stage: v.stage,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      aliases: v.aliases,
    },
    useCase,
    assessment: assessmentOf(history.current),
    datasets,
    evaluations: evidence.filter((e) => e.kind === 'evaluation').map(evaluationOf),
    // Documents Steward generated are not inputs of the next one.
    documents: evidence
      .filter((e) => e.kind === 'document')
      .map(documentOf)
      .filter((d) => generatedInputsDigest(d.content) === null),
    robustness:
      robustness.length > 0
        ? robustness.map((e) => ({
            id: e.id,
            contentHash: e.contentHash,
            metrics: e.metrics as Record<string, number | null>,
          }))
        : null,
    // Champion/challenger comparisons live in monitoring windows, not evidence: not gathered yet.
    challengers: null,
    findings,
    lifecycle: {
      step: status.step,
      requirements: status.requirements.map((r) => ({
        measure: r.measure,
        title: r.title ?? r.measure,
        status: r.status,
      })),
    },
    signatures: status.signatures.map(signer),
    useCaseSignatures: caseStatus.signatures.map(signer),
    deployments: status.deployments.map((d) => ({
      environment: d.environment,
      mode: d.mode,
      since: d.since,
      until: d.until,
      verifiedBy: d.verifiedBy,
    })),
    monitoring: {
      alerts: alerts.items.map((a) => ({ rule: a.rule, severity: a.severity, status: a.state, openedAt: a.openedAt })),
      incidents: incidents
        .filter((i) => i.versionId === null || i.versionId === v.id)
        .map((i) => ({ title: i.title, severity: i.severity, status: i.state, openedAt: i.openedAt })),
    },
  };
}

async function all<T>(page: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Gathers a use case's record (for Annex IV): its own documents and sign-offs and each version's record. */
export async function gatherUseCase(deps: GatherDeps, useCaseId: string): Promise<UseCaseDossier> {
  const useCase = await useCaseSummary(deps, useCaseId);
  const [history, caseStatus, alignment, models] = await Promise.all([
    deps.assessments.history(useCase.id),
    deps.lifecycle.useCaseStatus(useCase.id),
    deps.ethics.alignment(useCase.id),
    all((cursor) => deps.models.list({ limit: 500, useCaseId: useCase.id, ...(cursor ? { cursor } : {}) })),
  ]);
  const versions: VersionDossier[] = [];
  for (const m of models) {
    const vs = await all((cursor) => deps.versions.list(m.name, { limit: 500, ...(cursor ? { cursor } : {}) }));
    for (const v of vs) versions.push(await gatherVersion(deps, m.name, v.version));
  }
  const contents = new Map((await deps.useCaseDocuments(useCase.id)).map((d) => [d.id, d.content]));
  const documents: DocumentSummary[] = caseStatus.documents
    .map((d) => ({
      id: d.id,
      kind: d.kind,
      title: d.title,
      contentHash: d.contentHash,
      createdAt: d.createdAt,
      content: contents.get(d.id) ?? null,
      uri: d.uri,
    }))
    .filter((d) => generatedInputsDigest(d.content) === null);
  return {
    kind: 'use-case',
    useCase,
    assessment: assessmentOf(history.current),
    documents: [...documents, ...versions.flatMap((v) => v.documents)],
    signatures: caseStatus.signatures.map(signer),
    ethicalAlignment: alignment.alignments.map((a) => ({
      positionVersion: a.positionVersion,
      statement: a.statement,
      recordedAt: a.recordedAt,
    })),
    versions,
  };
}
