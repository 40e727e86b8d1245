import { createHash } from 'node:crypto';
import { canonicalize } from '../jcs.ts';

/**
 * The record a generated document is made from, gathered once from the inventory, the policy, the
 * evidence and the lifecycle. Documents are pure functions of it, so the digest of its canonical
 * JSON identifies what a document says: the same record gives the same document, and a stored
 * document whose record changed since is stale.
 */
export interface Signer {
  name: string;
  username: string;
  role: string;
  meaning: string;
  step: string;
  signedAt: string;
  comment: string;
  status: 'valid' | 'stale';
}

export interface DatasetUse {
  name: string;
  version: number;
  role: string;
  digest: string;
  rowCount: number | null;
  uri: string | null;
  legalRegion: string | null;
  provenance: {
    method: string;
    source: string;
    lawfulBasis?: string;
    collectedFrom?: string;
    collectedTo?: string;
  } | null;
  personalData: boolean;
  piiColumns: { column: string; kind: string }[];
  protectedColumns: string[];
}

export interface GroupMetric {
  attribute: string;
  metric: string;
  overall: number | null;
  groups: { group: string; value: number | null }[];
  difference: number | null;
  ratio: number | null;
}

export interface EvaluationSummary {
  id: string;
  contentHash: string;
  createdAt: string;
  task: string;
  rows: number | null;
  dataDigest: string | null;
  performance: Record<string, number | null>;
  fairness: GroupMetric[];
  importances: { feature: string; value: number }[];
}

export interface DocumentSummary {
  id: string;
  kind: string;
  title: string;
  contentHash: string;
  createdAt: string;
  /** Markdown content, when the document was recorded with it (not a link). */
  content: string | null;
  uri: string | null;
}

export interface AssessmentSummary {
  tier: number;
  assessedTier: number;
  euAiAct: string;
  tags: string[];
  policy: { name: string; version: string };
  reviewBy: string;
  trace: { rule: string; description: string; tier?: number; euAiAct?: string }[];
  override: { tier: number; reason: string } | null;
  answers: Record<string, unknown>;
}

export interface UseCaseSummary {
  id: string;
  name: string;
  objective: string;
  ownerTeam: string;
  consumers: string;
  regions: string[];
  sector: string;
  processesPersonalData: boolean;
  kpis: { name: string; target?: unknown; unit?: string }[];
}

export interface VersionDossier {
  kind: 'model-version';
  model: { name: string; description: string; tags: Record<string, string> };
  version: {
    id: string;
    version: number;
    artifactUri: string;
    artifactDigest: string | null;
    framework: string | null;
    params: Record<string, unknown>;
    metrics: Record<string, number>;
    code: { repository: string; commit: string; path?: string } | null;
    environment: { imageDigest?: string; image?: string; lockfileDigest?: string; lockfile?: string } | null;
    documentation: { title: string; url: string }[];
    description: string;
    stage: string;
    createdAt: string;
    createdBy: string | null;
    aliases: string[];
  };
  useCase: UseCaseSummary;
  assessment: AssessmentSummary | null;
  datasets: DatasetUse[];
  evaluations: EvaluationSummary[];
  documents: DocumentSummary[];
  /** Robustness runs: their flat metrics (`robustness.auc-drop@0.1sd` …), the ones policy checks read. */
  robustness: { id: string; contentHash: string; metrics: Record<string, number | null> }[] | null;
  /** Champion/challenger comparisons, when recorded (null: not recorded). */
  challengers: unknown[] | null;
  /** Findings raised on the version or its use case, oldest first (null: not gathered). */
  findings: DossierFinding[] | null;
  lifecycle: {
    step: string | null;
    requirements: { measure: string; title: string; status: string }[];
    /**
     * When the statuses were computed, if not now: a document as of a past date reports them as
     * the version's last signature by then recorded them.
     */
    requirementsAt?: string | null;
  };
  signatures: Signer[];
  useCaseSignatures: Signer[];
  deployments: { environment: string; mode: string; since: string; until: string | null; verifiedBy: string | null }[];
  monitoring: {
    alerts: { rule: string; severity: string; status: string; openedAt: string }[];
    incidents: { title: string; severity: string; status: string; openedAt: string }[];
  };
}

export interface UseCaseDossier {
  kind: 'use-case';
  useCase: UseCaseSummary;
  assessment: AssessmentSummary | null;
  documents: DocumentSummary[];
  signatures: Signer[];
  ethicalAlignment: { positionVersion: number; statement: string; recordedAt: string }[];
  /** Each model version of the use case, with the record its own documents are made from. */
  versions: VersionDossier[];
}

export type Dossier = VersionDossier | UseCaseDossier;

/**
 * The dossier without what is derived from it: requirement statuses and signature validity follow
 * from the evidence, signatures and policy it covers.
 */
function facts(d: Dossier): unknown {
  const signers = (xs: Signer[]) => xs.map(({ status: _derived, ...rest }) => rest);
  const version = (v: VersionDossier) => ({
    ...v,
    lifecycle: { step: v.lifecycle.step },
    signatures: signers(v.signatures),
    useCaseSignatures: signers(v.useCaseSignatures),
  });
  return d.kind === 'use-case'
    ? { ...d, signatures: signers(d.signatures), versions: d.versions.map(version) }
    : version(d);
}

/**
 * sha256 of the dossier's canonical (RFC 8785) JSON: the digest of a document's inputs. Derived
 * statuses (requirements met, signatures still valid) are left out: they follow from the facts it
 * covers, and storing a generated document can itself change them (it may satisfy a measure, and
 * new evidence makes later approvals stale), which must not make that very document stale.
 */
export function inputsDigest(d: Dossier): string {
  return `sha256:${createHash('sha256')
    .update(canonicalize(facts(d)))
    .digest('hex')}`;
}

const INPUTS_LINE = /^- \*\*Inputs digest:\*\* (sha256:[0-9a-f]{64})$/m;

/** The inputs digest a stored generated document (its Markdown) records; null for any other document. */
export const generatedInputsDigest = (markdown: string | null): string | null =>
  markdown === null ? null : (INPUTS_LINE.exec(markdown)?.[1] ?? null);

/** A finding as documents report it. */
export interface DossierFinding {
  id: string;
  /** What it was raised on: the use case's name or model/version. */
  on: string;
  severity: string;
  title: string;
  status: string;
  owner: string;
  dueDate: string;
  remediation: string;
  closedAt: string | null;
}
