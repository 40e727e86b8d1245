import { notFound } from '../../errors.ts';
import { CoveredLater } from './covered.fns.ts';
import { policyFacts, type Requirement, type RequiredItem } from './policy-facts.fns.ts';
import type { Executor } from '../../db/database.ts';
import type { DocumentReviewTable, EvidenceTable, SignatureTable, UseCaseDocumentTable } from '../../db/schema.ts';
import { canonicalDigest } from '../../domain/jcs.ts';
import { evaluateGates, type GateResult, type RequirementStatus } from '../../domain/lifecycle/gate.ts';
import {
  coveredOf,
  diffCovered,
  type Change,
  type CoveredState,
  type SignatureManifest,
  type UseCaseManifest,
} from '../../domain/lifecycle/manifest.ts';
import { gateStepOf, type Process } from '../../domain/lifecycle/process.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { acceptanceRule } from '../../domain/policy/review.ts';
import {
  concerning,
  measureStatus,
  recordKey,
  withWaiver,
  type EvidenceRecord,
  type MeasureStatus,
  type Waiver,
} from '../../domain/policy/status.ts';
import { documentRules, documentViews, withReviews, type DocumentRevision, type DocumentView } from './reviews.fns.ts';
import type { DefinedVersionRecord } from '../versions/versions.repo.ts';
import type { PolicyContext } from '../policy/context.service.ts';
import type { LifecycleRepo, VersionOwner } from './lifecycle.repo.ts';

export type { PolicyContext };

/** A registered dataset version with its legal region (data residency). */
export interface DatasetRegion {
  id: string;
  dataset: string;
  version: number;
  digest: string;
  legalRegion: string;
}

export interface GovernanceDeps {
  repo: Pick<LifecycleRepo, 'statesOf' | 'signaturesOf' | 'useCasesOf' | 'useCaseDocumentsOf'>;
  /** Review decisions on the documents of a version or a use case. */
  reviews(exec: Executor, subjectId: string): Promise<DocumentReviewTable[]>;
  /** Review decisions on the documents of each of several versions and use cases. */
  reviewsOf(exec: Executor, subjectIds: string[]): Promise<Map<string, DocumentReviewTable[]>>;
  /** The versions' definitions by id, read inside the caller's transaction. */
  versions(exec: Executor, versionIds: string[]): Promise<Map<string, DefinedVersionRecord>>;
  /** The use case's current assessment and the pack it was made under; null when not assessed. */
  policy(exec: Executor, useCaseId: string): Promise<PolicyContext | null>;
  /** The same for several use cases, read together, by use case id. */
  policies(exec: Executor, useCaseIds: string[]): Promise<Map<string, PolicyContext | null>>;
  evidence: {
    /** Each version's evidence rows, oldest first. */
    rows(exec: Executor, versionIds: string[]): Promise<Map<string, EvidenceTable[]>>;
    /** Each version's evidence records, from its rows and what Steward computes (monitoring). */
    records(exec: Executor, rows: Map<string, EvidenceTable[]>): Promise<Map<string, EvidenceRecord[]>>;
  };
  /** The use case's alignment with the current ethical position at a tier, as evidence (from policy). */
  alignment(exec: Executor, useCaseId: string, tier: number | null): Promise<EvidenceRecord>;
  /** The same for several use cases at their tiers, read together, by use case id. */
  alignments(exec: Executor, cases: { useCaseId: string; tier: number | null }[]): Promise<Map<string, EvidenceRecord>>;
  /** Registered dataset versions with these digests, with their legal regions (from the inventory). */
  datasetRegions(exec: Executor, digests: string[]): Promise<DatasetRegion[]>;
  today(): string;
  /**
   * What the findings feature adds to each version's gates, by version id: open findings that
   * block promotions (with the environments they block) and valid waivers of measures on the
   * version or its use case.
   */
  outside?(
    exec: Executor,
    versions: { owner: VersionOwner; pack: PolicyPack }[],
  ): Promise<Map<string, OutsideGovernance>>;
  /** Valid waivers of a use case's own measures (its scoping steps' gates), from the findings feature. */
  useCaseWaivers?(exec: Executor, useCaseId: string): Promise<Waiver[]>;
}

/** An open finding that blocks promotion of a version to `environments`. */
export interface BlockingFinding {
  id: string;
  severity: string;
  title: string;
  environments: string[];
}

export interface OutsideGovernance {
  findings: BlockingFinding[];
  waivers: Waiver[];
}

export interface SignatureView {
  id: string;
  signer: { id: string; username: string; name: string };
  role: string;
  meaning: string;
  comment: string;
  step: string;
  signedAt: string;
  manifestDigest: string;
  serverSignature: string;
  auditSeq: number | null;
  /** `valid` while what it covered is unchanged; `stale` after, with what changed. */
  status: 'valid' | 'stale';
  changes: Change[];
}

export interface Governance {
  owner: VersionOwner;
  version: DefinedVersionRecord;
  policy: PolicyContext | null;
  process: Process | null;
  step: string | null;
  covered: CoveredState | null;
  signatures: SignatureView[];
  /** Signatures given on the use case (scoping steps), valid while its assessment stands. */
  caseSignatures: SignatureView[];
  requirements: (RequirementStatus & { by?: string[] })[];
  /** The version's creator and everyone who signed it as author or in a developer role: not independent of it. */
  authors: string[];
  /** Valid rejections by people holding a sign-off role the version's measures need: each blocks promotion. */
  vetoes: SignatureView[];
  /** Digest of the covered state, for signers to say which state they reviewed. */
  coveredDigest: string | null;
  /** The version's documents with their review states, newest first. */
  documents: DocumentView[];
  /** Open findings on the version or its use case that block promotions. */
  findings: BlockingFinding[];
  gates(steps: string[]): GateResult[];
}

/** The version's definition as signed: what it is, not how it is labelled (tags, aliases, description). */
export function definitionDigest(v: DefinedVersionRecord): string {
  // Ids and digests, not names: renaming a model or dataset does not change what was signed.
  const definition = {
    version: v.id,
    artifactUri: v.artifactUri,
    artifactDigest: v.artifactDigest,
    framework: v.framework,
    params: v.params,
    metrics: v.metrics,
    datasets: v.datasets.map((d) => ({ digest: d.digest, role: d.role })),
    code: v.code,
    environment: v.environment,
    documentation: v.documentation,
  };
  return canonicalDigest(definition);
}

/** Roles that build models: someone who signed in one of them is not independent of the version. */
const DEVELOPER_ROLES = new Set(['data-scientist']);

/** A version to load: what governs it (its owner) and its name. */
export interface GovernedVersion {
  owner: VersionOwner;
  model: string;
  version: number;
}

/**
 * Everything governance decides on, computed from the records in one read: the version's process
 * and step, the requirement statuses, and each signature's validity. A signature counts only while
 * the state it covered (definition, evidence, non-sign-off requirement statuses, policy pack) is
 * unchanged; approvals then satisfy sign-off measures like any evidence.
 */
export async function loadGovernance(
  deps: GovernanceDeps,
  exec: Executor,
  owner: VersionOwner,
  model: string,
  versionNo: number,
): Promise<Governance> {
  const [g] = await loadGovernanceOf(deps, exec, [{ owner, model, version: versionNo }]);
  if (!g) throw notFound('model version', `${model}/${versionNo}`);
  return g;
}

/**
 * The governance of each of `versions` still defined, in their order, read together: each kind of
 * record in one statement for all of them (a page of the inventory costs a fixed number of reads,
 * not fifty times as many), each use case's policy and documents once.
 */
export async function loadGovernanceOf(
  deps: GovernanceDeps,
  exec: Executor,
  versions: GovernedVersion[],
): Promise<Governance[]> {
  const versionIds = [...new Set(versions.map((v) => v.owner.versionId))];
  const useCaseIds = [...new Set(versions.map((v) => v.owner.useCaseId))];
  const subjects = [...versionIds, ...useCaseIds];
  const [records, policies, states, signatures, evidenceRows, reviews] = await Promise.all([
    deps.versions(exec, versionIds),
    deps.policies(exec, useCaseIds),
    deps.repo.statesOf(exec, versionIds),
    deps.repo.signaturesOf(exec, subjects),
    deps.evidence.rows(exec, versionIds),
    deps.reviewsOf(exec, subjects),
  ]);
  // What only a governed version is judged on: its use case's records, its evidence records, the
  // data it read and the findings on it.
  const governed = new Map(
    versions.filter((v) => policies.get(v.owner.useCaseId)).map((v) => [v.owner.versionId, v.owner]),
  );
  const governedCases = [...new Set([...governed.values()].map((o) => o.useCaseId))];
  const digests = new Map(
    [...governed.keys()].map((id) => [id, digestsOf(records.get(id)!, evidenceRows.get(id) ?? [])]),
  );
  const allDigests = [...new Set([...digests.values()].flat())];
  const [evidenceRecords, useCases, caseDocuments, alignments, regions, outside] = await Promise.all([
    deps.evidence.records(exec, new Map([...governed.keys()].map((id) => [id, evidenceRows.get(id) ?? []]))),
    deps.repo.useCasesOf(exec, governedCases),
    deps.repo.useCaseDocumentsOf(exec, governedCases),
    deps.alignments(
      exec,
      governedCases.map((id) => ({ useCaseId: id, tier: policies.get(id)!.tier })),
    ),
    allDigests.length > 0 ? deps.datasetRegions(exec, allDigests) : Promise.resolve([]),
    deps.outside?.(
      exec,
      [...governed.values()].map((owner) => ({ owner, pack: policies.get(owner.useCaseId)!.pack })),
    ) ?? new Map<string, OutsideGovernance>(),
  ]);
  // One day for the whole read: every version is judged as of the same date.
  const today = deps.today();
  // A version deleted since its owner was read has no definition any more: it is left out.
  return versions.flatMap((v) => {
    const { versionId, useCaseId } = v.owner;
    const version = records.get(versionId);
    if (!version) return [];
    const rows = evidenceRows.get(versionId) ?? [];
    return [
      governanceOf(today, {
        owner: v.owner,
        version,
        policy: policies.get(useCaseId) ?? null,
        state: states.get(versionId),
        signatureRows: signatures.get(versionId) ?? [],
        caseRows: signatures.get(useCaseId) ?? [],
        caseDocuments: caseDocuments.get(useCaseId) ?? [],
        evidenceRows: rows,
        rawRecords: evidenceRecords.get(versionId) ?? [],
        versionReviews: reviews.get(versionId) ?? [],
        caseReviews: reviews.get(useCaseId) ?? [],
        useCase: useCases.get(useCaseId),
        alignment: alignments.get(useCaseId),
        data: regionRecords(regions, digests.get(versionId) ?? []),
        outside: outside.get(versionId) ?? NO_FINDINGS,
      }),
    ];
  });
}

const NO_FINDINGS: OutsideGovernance = { findings: [], waivers: [] };

/** What one version's governance is computed from. */
interface GovernanceReads {
  owner: VersionOwner;
  version: DefinedVersionRecord;
  policy: PolicyContext | null;
  state: { step: string } | undefined;
  signatureRows: SignatureTable[];
  caseRows: SignatureTable[];
  caseDocuments: UseCaseDocumentTable[];
  evidenceRows: EvidenceTable[];
  rawRecords: EvidenceRecord[];
  versionReviews: DocumentReviewTable[];
  caseReviews: DocumentReviewTable[];
  /** The use case's record, its alignment, the data the version read and findings: read only when governed. */
  useCase: ReturnType<Awaited<ReturnType<GovernanceDeps['repo']['useCasesOf']>>['get']>;
  alignment: EvidenceRecord | undefined;
  data: EvidenceRecord[];
  outside: OutsideGovernance;
}

function governanceOf(today: string, reads: GovernanceReads): Governance {
  const {
    owner,
    version,
    policy,
    state,
    signatureRows,
    caseRows,
    caseDocuments,
    evidenceRows,
    rawRecords,
    versionReviews,
    caseReviews,
  } = reads;
  // A document counts only as its current revision, once accepted.
  const versionDocuments = evidenceRows.filter((e) => e.kind === 'document').map(evidenceRevision);
  const evidenceRecords = withReviews(rawRecords, versionDocuments, versionReviews);
  // Whoever built it or signed for it as a developer cannot also be its independent challenger.
  const authors = [
    ...new Set([
      ...(version.createdBy ? [version.createdBy] : []),
      ...signatureRows.filter((s) => s.meaning === 'author' || DEVELOPER_ROLES.has(s.role)).map((s) => s.signer_id),
    ]),
  ];
  if (!policy) {
    return {
      owner,
      version,
      policy: null,
      process: null,
      step: state?.step ?? null,
      covered: null,
      coveredDigest: null,
      signatures: signatureRows.map((s) => view(s, [])),
      caseSignatures: [],
      requirements: [],
      authors,
      vetoes: [],
      documents: documentViews(versionDocuments, versionReviews, () => []),
      findings: [],
      gates: (steps) => steps.map((step) => ({ step, passed: false, blockers: [] })),
    };
  }
  const facts = policyFacts(policy, today);
  const { process, required, items, byId } = facts;
  // A step the process no longer has (it changed with a re-assessment) counts as the process step that replaces it.
  const step = state
    ? process.steps.includes(state.step)
      ? state.step
      : gateStepOf(policy.pack, process, state.step)
    : process.steps[0]!;
  const { useCase, alignment, data, outside } = reads;
  const waivers = new Map(outside.waivers.map((w) => [w.measure, w]));
  const opts = {
    artifactDigest: version.artifactDigest,
    creators: authors,
    regions: useCase?.regions ?? [],
    acceptance: (e: Parameters<typeof acceptanceRule>[2]) => acceptanceRule(policy.pack, policy.tier, e),
  };
  const caseRecords = [...useCaseDocumentRecords(caseDocuments, caseReviews), ...(alignment ? [alignment] : [])];
  // Checks know the roles their data has among the version's datasets (packs may ask for a role).
  const versionRecords = [...evidenceRecords.map((r) => withRoles(r, version)), ...data];
  const withCase = [...versionRecords, ...caseRecords];
  const recordsOf = (item: RequiredItem) => (item.caseScoped ? withCase : versionRecords);
  // A measure no record speaks to has the status it has with none (most of a young version's).
  const versionKeys = new Set(versionRecords.map(recordKey));
  const caseKeys = new Set(caseRecords.map(recordKey));
  const spoken = (item: RequiredItem) => {
    for (const k of item.reads) if (versionKeys.has(k) || (item.caseScoped && caseKeys.has(k))) return true;
    return false;
  };
  const at = (s: string) => process.steps.indexOf(gateStepOf(policy.pack, process, s));
  // Which gates each piece of evidence serves (by step position): asked only when a signature's
  // changes are judged.
  let served: Map<string, number[]> | undefined;
  const serves = () => {
    if (served) return served;
    served = new Map();
    for (const item of items)
      if (spoken(item))
        for (const id of concerning(item.measure, recordsOf(item)))
          served.set(id, [...(served.get(id) ?? []), item.at]);
    return served;
  };
  /**
   * A signature answers for the gates up to the step it was given at. Progress on later steps
   * (their documents, their requirement statuses) does not make it stale; a change to what it
   * covered, to the definition or the policy, or a monitoring alert, does.
   */
  const bearsOn =
    (signedAt: string) =>
    (c: Change): boolean => {
      const limit = at(signedAt);
      if (c.what === 'requirement') {
        const m = byId.get(c.measure);
        return !m || at(m.step) <= limit;
      }
      if (c.what === 'evidence' && c.change === 'added') {
        // A monitoring alert puts everything in doubt.
        if (evidenceRows.some((e) => e.id === c.id && e.kind === 'monitoring-alert')) return true;
        const steps = serves().get(c.id);
        // Evidence no required measure asks for bears on nothing, except a new evaluation of the
        // model (computed evidence bears on signatures even when it serves no gate).
        return steps
          ? steps.some((x) => x <= limit)
          : evidenceRows.some((e) => e.id === c.id && (e.kind === 'evaluation' || e.kind === 'robustness'));
      }
      return true;
    };
  // A measure without sign-off items is judged on its evidence alone (approvals are records of
  // another kind, which no other item reads): its status here stands for the requirement below.
  const judged: (MeasureStatus | undefined)[] = items.map((item) =>
    item.signoffs ? undefined : spoken(item) ? measureStatus(item.measure, recordsOf(item), opts) : item.blank.status,
  );
  // What a signature covers: computed when a signature is judged or the state is asked for.
  let coveredState: CoveredState | undefined;
  const covered = (): CoveredState =>
    (coveredState ??= {
      definitionDigest: definitionDigest(version),
      policy: { id: policy.packId, name: policy.name, version: policy.version },
      evidence: evidenceRows
        .map((e) => ({ id: e.id, contentHash: e.content_hash }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
      requirements: items
        .flatMap((item, i) => (judged[i] ? [{ measure: item.m.measure, status: judged[i].status }] : []))
        .sort((a, b) => (a.measure < b.measure ? -1 : 1)),
    });
  const signatures = signatureRows.map((s) =>
    view(s, diffCovered(coveredOf(JSON.parse(s.manifest) as SignatureManifest), covered()).filter(bearsOn(s.step))),
  );
  const decisions = latestDecisions(signatures);
  const approvals = decisions.filter((s) => s.meaning === 'approve');
  // Sign-offs of use-case steps (scoping) are given once on the use case, valid while its assessment stands.
  const caseSignatures = useCaseSignatures(caseRows, policy);
  const caseDecisions = latestDecisions(caseSignatures);
  const caseApprovals = caseDecisions.filter((s) => s.meaning === 'approve');
  const requirements = items.map((item, i): Requirement => {
    const waiver = waivers.get(item.m.measure);
    let status = judged[i];
    if (!status) {
      const counting = approvals.length > 0 || (item.caseScoped && caseApprovals.length > 0);
      if (!counting && !spoken(item)) status = item.blank.status;
      else {
        // An approval counts for the gates of the step it was given at and before, not for later ones.
        const counted: EvidenceRecord[] = [
          ...approvals.filter((s) => at(s.step) >= item.at),
          ...(item.caseScoped ? caseApprovals : []),
        ].map((s) => ({
          id: s.id,
          kind: 'signoff',
          signer: s.signer.id,
          role: s.role,
          artifactDigest: version.artifactDigest,
        }));
        status = measureStatus(item.measure, [...recordsOf(item), ...counted], opts);
      }
    }
    if (!waiver && status === item.blank.status) return item.blank.requirement;
    // A valid exception waives an unmet measure (visibly); the covered state above ignores waivers,
    // so approving or expiring one never makes a signature stale.
    // Object.assign onto a fresh literal rather than a spread followed by more properties: V8 11
    // gives every object built as `{ ...a, b, ...c }` a hidden class of its own (allocated in old
    // space, a runtime call a property), over 430 for each inventory page.
    return Object.assign(
      {},
      item.m,
      { evidence: item.measure.evidence },
      withWaiver(status, waiver),
    ) as unknown as Requirement;
  });
  const vetoes = [...decisions, ...caseDecisions].filter(
    (s) => s.meaning === 'reject' && facts.approverRoles.has(s.role),
  );
  return Object.assign(new CoveredLater(covered), {
    owner,
    version,
    policy,
    process,
    step,
    documents: documentViews(versionDocuments, versionReviews, (kind) =>
      documentRules(policy.pack, policy.tier, required, kind),
    ),
    signatures,
    caseSignatures,
    requirements,
    authors,
    vetoes,
    findings: outside.findings,
    gates: (steps: string[]) => evaluateGates(policy.pack, process, requirements, steps),
  });
}

/** A check record with the roles its data has among the version's registered datasets. */
function withRoles(r: EvidenceRecord, version: DefinedVersionRecord): EvidenceRecord {
  if (r.kind !== 'check' || !r.dataDigest) return r;
  const roles = version.datasets.filter((d) => d.digest === r.dataDigest).map((d) => d.role);
  return roles.length > 0 ? { ...r, datasetRoles: roles } : r;
}

/** The digests of the data a version was trained or evaluated on: those it names, and those its evaluations read. */
function digestsOf(version: DefinedVersionRecord, evidenceRows: EvidenceTable[]): string[] {
  return [
    ...new Set([
      ...version.datasets.map((d) => d.digest),
      ...evidenceRows.filter((e) => e.kind === 'evaluation' && e.data_digest).map((e) => e.data_digest!),
    ]),
  ];
}

/**
 * The registered dataset versions with these digests (of the data a version was trained or
 * evaluated on), as `dataset` records with their legal regions (data residency).
 */
function regionRecords(regions: DatasetRegion[], digests: string[]): EvidenceRecord[] {
  const wanted = new Set(digests);
  return regions
    .filter((d) => wanted.has(d.digest))
    .map((d) => ({
      id: d.id,
      kind: 'dataset' as const,
      dataset: `${d.dataset}/${d.version}`,
      region: d.legalRegion,
    }));
}

/**
 * Each person's latest valid approve or reject per role: their decision in that role. Approving
 * after rejecting withdraws the rejection, and the other way round.
 */
export function latestDecisions(signatures: SignatureView[]): SignatureView[] {
  const decisions = new Map<string, SignatureView>();
  for (const s of signatures)
    if (s.status === 'valid' && (s.meaning === 'approve' || s.meaning === 'reject'))
      decisions.set(`${s.signer.id}:${s.role}`, s);
  return [...decisions.values()];
}

/**
 * The use case's own evidence under its current assessment: its documents, and the latest valid
 * approvals of each signer and role (a re-assessment makes earlier ones stale).
 */
export function useCaseEvidenceRecords(
  documents: UseCaseDocumentTable[],
  signatures: SignatureView[],
  reviews: DocumentReviewTable[],
): EvidenceRecord[] {
  return [
    ...useCaseDocumentRecords(documents, reviews),
    ...latestDecisions(signatures)
      .filter((s) => s.meaning === 'approve')
      .map((s) => ({ id: s.id, kind: 'signoff' as const, signer: s.signer.id, role: s.role })),
  ];
}

/** Use-case documents as evidence records (not bound to any artefact), with their reviews. */
export const useCaseDocumentRecords = (
  docs: UseCaseDocumentTable[],
  reviews: DocumentReviewTable[],
): EvidenceRecord[] =>
  withReviews(
    docs.map((d) => ({ id: d.id, kind: 'document', documentKind: d.kind, author: d.created_by })),
    docs.map(useCaseRevision),
    reviews,
  );

/** A version's document evidence row as a revision. */
export const evidenceRevision = (e: EvidenceTable): DocumentRevision => {
  const spec = JSON.parse(e.spec) as { documentKind: string; title: string };
  return {
    id: e.id,
    kind: spec.documentKind,
    title: spec.title,
    contentHash: e.content_hash,
    createdAt: e.created_at,
    createdBy: e.created_by,
  };
};

/** A use-case document as a revision. */
export const useCaseRevision = (d: UseCaseDocumentTable): DocumentRevision => ({
  id: d.id,
  kind: d.kind,
  title: d.title,
  contentHash: d.content_hash,
  createdAt: d.created_at,
  createdBy: d.created_by,
});

/** Use-case signatures with their validity: stale once the use case was re-assessed. */
export function useCaseSignatures(
  rows: SignatureTable[],
  policy: Pick<PolicyContext, 'assessmentId'> | null,
): SignatureView[] {
  return rows.map((s) => {
    const m = JSON.parse(s.manifest) as UseCaseManifest;
    const changes: Change[] =
      policy && m.assessment.id !== policy.assessmentId
        ? [{ what: 'assessment', from: m.assessment.id, to: policy.assessmentId }]
        : [];
    return { ...view(s, changes), signer: m.signer };
  });
}

function view(s: SignatureTable, changes: Change[]): SignatureView {
  const m = JSON.parse(s.manifest) as SignatureManifest;
  return {
    id: s.id,
    signer: m.signer,
    role: s.role,
    meaning: s.meaning,
    comment: s.comment,
    step: s.step,
    signedAt: s.created_at,
    manifestDigest: s.manifest_digest,
    serverSignature: s.server_signature,
    auditSeq: s.audit_seq,
    status: changes.length === 0 ? 'valid' : 'stale',
    changes,
  };
}
