import { createHash } from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { EvidenceTable, SignatureTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { evaluateGates, type GateResult, type RequirementStatus } from '../../domain/lifecycle/gate.ts';
import { coveredOf, diffCovered, type Change, type CoveredState, type SignatureManifest } from '../../domain/lifecycle/manifest.ts';
import { processFor, type Process } from '../../domain/lifecycle/process.ts';
import type { Answers } from '../../domain/policy/evaluate.ts';
import { requiredMeasures } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { measureStatus, type EvidenceRecord } from '../../domain/policy/status.ts';
import type { VersionRecord } from '../versions/versions.repo.ts';
import type { LifecycleRepo, VersionOwner } from './lifecycle.repo.ts';

export interface PolicyContext {
  packId: string;
  pack: PolicyPack;
  name: string;
  version: string;
  tier: number;
  tags: string[];
  answers: Answers;
}

export interface GovernanceDeps {
  repo: Pick<LifecycleRepo, 'state' | 'signatures'>;
  /** The version's definition, read inside the caller's transaction. */
  version(exec: Executor, model: string, version: number): Promise<VersionRecord | undefined>;
  /** The use case's current assessment and the pack it was made under; null when not assessed. */
  policy(exec: Executor, useCaseId: string): Promise<PolicyContext | null>;
  evidence: { rows(exec: Executor, versionId: string): Promise<EvidenceTable[]>; records(exec: Executor, versionId: string): Promise<EvidenceRecord[]> };
  today(): string;
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
  version: VersionRecord;
  policy: PolicyContext | null;
  process: Process | null;
  step: string | null;
  covered: CoveredState | null;
  signatures: SignatureView[];
  requirements: (RequirementStatus & { by?: string[] })[];
  /** The version's creator and everyone who signed it as author: not independent of it. */
  authors: string[];
  gates(steps: string[]): GateResult[];
}

/** The version's definition as signed: what it is, not how it is labelled (tags, aliases, description). */
export function definitionDigest(v: VersionRecord): string {
  const definition = { model: v.model, version: v.version, artifactUri: v.artifactUri, artifactDigest: v.artifactDigest, framework: v.framework, params: v.params, metrics: v.metrics, datasets: v.datasets, code: v.code, environment: v.environment, documentation: v.documentation };
  return `sha256:${createHash('sha256').update(canonicalize(definition)).digest('hex')}`;
}

const signoffOnly = (pack: PolicyPack) => new Set(pack.measures.filter((m) => m.evidence.some((e) => e.kind === 'signoff')).map((m) => m.id));

/**
 * Everything governance decides on, computed from the records in one read: the version's process
 * and step, the requirement statuses, and each signature's validity. A signature counts only while
 * the state it covered (definition, evidence, non-sign-off requirement statuses, policy pack) is
 * unchanged; approvals then satisfy sign-off measures like any evidence.
 */
export async function loadGovernance(deps: GovernanceDeps, exec: Executor, owner: VersionOwner, model: string, versionNo: number): Promise<Governance> {
  const version = (await deps.version(exec, model, versionNo))!;
  const policy = await deps.policy(exec, owner.useCaseId);
  const [state, signatureRows, evidenceRows, evidenceRecords] = await Promise.all([deps.repo.state(exec, owner.versionId), deps.repo.signatures(exec, owner.versionId), deps.evidence.rows(exec, owner.versionId), deps.evidence.records(exec, owner.versionId)]);
  const authors = [...new Set([...(version.createdBy ? [version.createdBy] : []), ...signatureRows.filter((s) => s.meaning === 'author').map((s) => s.signer_id)])];
  if (!policy) {
    return { owner, version, policy: null, process: null, step: state?.step ?? null, covered: null, signatures: signatureRows.map((s) => view(s, [])), requirements: [], authors, gates: (steps) => steps.map((step) => ({ step, passed: false, blockers: [] })) };
  }
  const process = processFor(policy.pack, policy.tier, policy.answers);
  const step = state?.step ?? process.steps[0]!;
  const required = requiredMeasures(policy.pack, { tier: policy.tier, tags: policy.tags }, policy.answers, deps.today());
  const byId = new Map(policy.pack.measures.map((m) => [m.id, m]));
  const opts = { artifactDigest: version.artifactDigest, creators: authors };
  const withoutSignoffs = signoffOnly(policy.pack);
  const covered: CoveredState = {
    definitionDigest: definitionDigest(version),
    policy: { id: policy.packId, name: policy.name, version: policy.version },
    evidence: evidenceRows.map((e) => ({ id: e.id, contentHash: e.content_hash })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    requirements: required
      .filter((m) => !withoutSignoffs.has(m.measure))
      .map((m) => ({ measure: m.measure, status: measureStatus(byId.get(m.measure)!, evidenceRecords, opts).status }))
      .sort((a, b) => (a.measure < b.measure ? -1 : 1)),
  };
  const signatures = signatureRows.map((s) => view(s, diffCovered(coveredOf(JSON.parse(s.manifest) as SignatureManifest), covered)));
  const approvals: EvidenceRecord[] = signatures
    .filter((s) => s.status === 'valid' && s.meaning === 'approve')
    .map((s) => ({ id: s.id, kind: 'signoff', signer: s.signer.id, role: s.role, artifactDigest: version.artifactDigest }));
  const records = [...evidenceRecords, ...approvals];
  const requirements = required.map((m) => {
    const status = measureStatus(byId.get(m.measure)!, records, opts);
    return { measure: m.measure, title: byId.get(m.measure)!.title, step: m.step, ...status } as RequirementStatus & { by?: string[] };
  });
  return { owner, version, policy, process, step, covered, signatures, requirements, authors, gates: (steps) => evaluateGates(policy.pack, process, requirements, steps) };
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
