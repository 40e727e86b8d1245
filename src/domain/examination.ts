import { createHash, verify as verifySignature, createPublicKey } from 'node:crypto';
import type { AuditEventRecord } from './audit-event.ts';
import { verifyCheckpointNote } from './checkpoint.ts';
import { leafHashOfText, nodeHash, rangeHash, verifyInclusion, type Hash, type PerfectNode } from './merkle.ts';

/**
 * Examination packs: the state of the inventory as of a date, derived from the audit trail alone
 * (each subject's latest recorded state up to the signed checkpoint that covers the date), frozen
 * into a ZIP with a signed manifest that an examiner verifies offline.
 */
export const PACK_FORMAT = 'steward-examination-pack/1';

export type Scope = { kind: 'organisation' } | { kind: 'team'; team: string } | { kind: 'use-case'; id: string };

export interface PackManifest {
  format: typeof PACK_FORMAT;
  asOf: string;
  scope: Scope;
  createdAt: string;
  createdBy: string | null;
  origin: string;
  keyName: string;
  verifierKey: string;
  /** The signed checkpoint covering `asOf`: the last one signed at or before it. */
  checkpoint: { treeSize: number; note: string };
  /** `events.jsonl` holds every event up to the checkpoint (organisation) or only the cited ones. */
  events: 'all' | 'cited';
  /** Sequence numbers of the events the state cites. */
  cited: number[];
  files: { path: string; sha256: string; bytes: number }[];
  /**
   * The documents generated as of `asOf` (model cards, validation reports, Annex IV files), each a
   * file listed above, with the digest of the record it was generated from.
   */
  generated?: { path: string; document: string; subject: { type: string; id: string }; inputsDigest: string }[];
}

export interface SubjectState {
  id: string;
  /** The subject's latest recorded state (the `after` of its last event). */
  state: unknown;
  /** The events that made it so. */
  events: number[];
}

export interface PackState {
  asOf: string;
  treeSize: number;
  policy: { state: unknown; seq: number } | null;
  useCases: SubjectState[];
  models: SubjectState[];
  versions: SubjectState[];
  datasets: SubjectState[];
  assessments: SubjectState[];
  signatures: {
    id: string;
    seq: number;
    subject: { type: string; id: string };
    statusAsOf: 'valid' | 'stale';
    staleAt: number | null;
    state: unknown;
  }[];
  evidence: { seq: number; subject: string; state: unknown }[];
  /** `actor`: who acted (a user id, null for the system), as lifecycle records name people. */
  lifecycle: { seq: number; time: string; actor: string | null; action: string; subject: string; state: unknown }[];
  monitoring: { seq: number; time: string; action: string; subject: { type: string; id: string }; state: unknown }[];
  /** Findings raised on subjects in scope, each as its last event up to then left it. */
  findings: SubjectState[];
}

/** An evidence entry of the state (what `evidence` lists), handed to `spill` when one is given. */
export type EvidenceEntry = PackState['evidence'][number];

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

/**
 * What a pack keeps of a piece of evidence: what it is and its hashes (the content hash commits
 * to all the rest, which stays in the events). Keeping whole results would hold every evaluation
 * of a large trail in memory twice.
 */
const EVIDENCE_FACTS = ['id', 'kind', 'contentHash', 'artifactDigest', 'dataDigest', 'createdAt', 'createdBy', 'title'];
function evidenceFacts(after: Record<string, unknown> | null): unknown {
  if (!after) return null;
  const facts: Record<string, unknown> = {};
  for (const k of EVIDENCE_FACTS) if (after[k] !== undefined) facts[k] = after[k];
  const r = after.result as { documentKind?: string; title?: string } | undefined;
  if (r?.documentKind) facts.documentKind = r.documentKind;
  return facts;
}
const LIFECYCLE = /^(promotion\.|deployment\.|lifecycle\.transition|alias\.|version\.(stage|suspend|unsuspend))/;
const MONITORING = /^(alert\.|incident\.|monitor\.)/;

/**
 * Folds audit events (ascending, all up to the pack's tree size) into the state as of then, keeping
 * only the subjects in scope. A signature is valid as of then unless a `signature.stale` event up to
 * then named it, or (for a use-case signature) the use case was re-assessed after it.
 */
export function foldState(
  events: Iterable<AuditEventRecord>,
  asOf: string,
  treeSize: number,
  inScope: { useCase(id: string, state: unknown): boolean },
): PackState {
  const fold = stateFolder(asOf, treeSize, inScope);
  for (const e of events) fold.add(e);
  return fold.result();
}

/** `foldState` one event at a time, so a large trail need not be held in memory. */
export function stateFolder(
  asOf: string,
  treeSize: number,
  inScope: { useCase(id: string, state: unknown): boolean },
  /**
   * Where evidence entries go instead of memory (a large trail is mostly evidence): `result()` then
   * lists none, and `evidenceInScope` says which of the spilled entries belong in the state.
   */
  spill?: (entry: EvidenceEntry) => void,
): {
  add(e: AuditEventRecord): void;
  result(): PackState;
  evidenceInScope(entry: EvidenceEntry): boolean;
} {
  const useCases = new Map<string, SubjectState>();
  const models = new Map<string, SubjectState & { useCaseId?: string }>();
  const versions = new Map<string, SubjectState & { modelId?: string }>();
  const datasets = new Map<string, SubjectState>();
  const assessments = new Map<string, SubjectState>();
  const signatures = new Map<string, PackState['signatures'][number]>();
  const assessedAt = new Map<string, number>();
  const evidence: PackState['evidence'] = [];
  const lifecycle: PackState['lifecycle'] = [];
  const monitoring: PackState['monitoring'] = [];
  const modelByName = new Map<string, string>();
  const findings = new Map<string, SubjectState & { on?: { type: string; id: string } }>();
  // Alerts change state under their own subject: what each was raised on decides whether it is in scope.
  const alertOn = new Map<string, { type: string; id: string }>();
  let policy: PackState['policy'] = null;
  const put = <T extends SubjectState>(m: Map<string, T>, e: AuditEventRecord, extra: Partial<T> = {}) => {
    const prev = m.get(e.subject.id);
    const after = parse(e.after);
    m.set(e.subject.id, {
      ...(prev ?? {}),
      ...extra,
      id: e.subject.id,
      state: after === null ? prev?.state : after,
      events: [...(prev?.events ?? []), e.seq],
    } as T);
  };
  const add = (e: AuditEventRecord): void => {
    if (e.seq > treeSize) return;
    const a = e.action;
    const after = parse(e.after) as Record<string, unknown> | null;
    if (a === 'policy.activate') policy = { state: after, seq: e.seq };
    else if (a === 'use-case.create' || a === 'use-case.update') put(useCases, e);
    else if (a.startsWith('model.')) {
      put(models, e, after?.useCaseId ? { useCaseId: String(after.useCaseId) } : {});
      if (typeof after?.name === 'string') modelByName.set(after.name, e.subject.id);
    } else if (a === 'version.create' || a === 'version.update' || a === 'version.delete' || a === 'version.status') {
      const model = after?.model as string | undefined;
      const modelId = model === undefined ? undefined : modelByName.get(model);
      put(versions, e, modelId ? { modelId } : {});
    } else if (a.startsWith('dataset')) put(datasets, e);
    else if (a === 'assessment.create' || a.startsWith('assessment.override')) {
      put(assessments, e);
      if (a === 'assessment.create') assessedAt.set(e.subject.id, e.seq);
    } else if (a === 'signature.create')
      signatures.set(String(after?.id), {
        id: String(after?.id),
        seq: e.seq,
        subject: e.subject,
        statusAsOf: 'valid',
        staleAt: null,
        state: after,
      });
    else if (a === 'signature.stale')
      for (const s of (after?.signatures ?? []) as { id: string }[]) {
        const sig = signatures.get(s.id);
        if (sig && sig.statusAsOf === 'valid') Object.assign(sig, { statusAsOf: 'stale', staleAt: e.seq });
      }
    else if (a === 'evidence.create' || a === 'use-case.document') {
      const entry = { seq: e.seq, subject: e.subject.id, state: evidenceFacts(after) };
      if (spill) spill(entry);
      else evidence.push(entry);
    } else if (a.startsWith('finding.')) {
      const on = (after?.subject ?? undefined) as { type: string; id: string } | undefined;
      put(findings, e, on ? { on: { type: on.type, id: on.id } } : {});
    } else if (LIFECYCLE.test(a))
      lifecycle.push({ seq: e.seq, time: e.time, actor: e.actor.id, action: a, subject: e.subject.id, state: after });
    else if (MONITORING.test(a)) {
      const alert = (a === 'alert.open' ? after?.alert : null) as { id?: string } | null;
      if (alert?.id) alertOn.set(alert.id, e.subject);
      monitoring.push({ seq: e.seq, time: e.time, action: a, subject: e.subject, state: after });
    }
  };
  const result = (): PackState => {
    // A re-assessment makes the use case's earlier sign-offs stale.
    for (const s of signatures.values())
      if (s.subject.type === 'use-case' && s.statusAsOf === 'valid' && (assessedAt.get(s.subject.id) ?? 0) > s.seq)
        Object.assign(s, { statusAsOf: 'stale', staleAt: assessedAt.get(s.subject.id)! });

    const ucIn = (id: string | undefined) => {
      const u = id === undefined ? undefined : useCases.get(id);
      return u !== undefined && inScope.useCase(u.id, u.state);
    };
    const modelIn = (id: string | undefined) => id !== undefined && ucIn(models.get(id)?.useCaseId);
    const versionIn = (id: string) => modelIn(versions.get(id)?.modelId);
    const subjectIn = (s: { type: string; id: string }): boolean => {
      if (s.type === 'alert') {
        const on = alertOn.get(s.id);
        return on !== undefined && subjectIn(on);
      }
      return s.type === 'use-case'
        ? ucIn(s.id)
        : s.type === 'model-version'
          ? versionIn(s.id)
          : ucIn(s.id) || versionIn(s.id);
    };
    const strip = <T extends SubjectState>(x: T): SubjectState => ({ id: x.id, state: x.state, events: x.events });
    return {
      asOf,
      treeSize,
      policy,
      useCases: [...useCases.values()].filter((u) => ucIn(u.id)).map(strip),
      models: [...models.values()].filter((m) => modelIn(m.id)).map(strip),
      versions: [...versions.values()].filter((v) => versionIn(v.id)).map(strip),
      // Datasets are shared across use cases: those the versions in scope were trained or evaluated on.
      datasets: [...datasets.values()].map(strip),
      assessments: [...assessments.values()].filter((a) => ucIn(a.id)).map(strip),
      signatures: [...signatures.values()].filter((s) => subjectIn(s.subject)),
      evidence: evidence.filter((x) => ucIn(x.subject) || versionIn(x.subject)),
      lifecycle: lifecycle.filter((x) => versionIn(x.subject) || ucIn(x.subject)),
      monitoring: monitoring.filter((x) => subjectIn(x.subject)),
      findings: [...findings.values()].filter((f) => f.on !== undefined && subjectIn(f.on)).map(strip),
    };
  };
  const evidenceInScope = (x: EvidenceEntry) => {
    const u = useCases.get(x.subject);
    if (u !== undefined) return inScope.useCase(u.id, u.state);
    const v = versions.get(x.subject);
    const m = v?.modelId === undefined ? undefined : models.get(v.modelId);
    const uc = m?.useCaseId === undefined ? undefined : useCases.get(m.useCaseId);
    return uc !== undefined && inScope.useCase(uc.id, uc.state);
  };
  return { add, result, evidenceInScope };
}

/** Every event sequence number the state cites. */
export function citedEvents(s: PackState): number[] {
  const seqs = new Set<number>();
  for (const list of [s.useCases, s.models, s.versions, s.datasets, s.assessments, s.findings])
    for (const x of list) for (const q of x.events) seqs.add(q);
  if (s.policy) seqs.add(s.policy.seq);
  for (const x of s.signatures) {
    seqs.add(x.seq);
    if (x.staleAt) seqs.add(x.staleAt);
  }
  for (const x of [...s.evidence, ...s.lifecycle, ...s.monitoring]) seqs.add(x.seq);
  return [...seqs].sort((a, b) => a - b);
}

/** Perfect subtree hashes of leaves held in memory, level by level (2n hashes, no per-node map). */
export function levels(leaves: Hash[]): PerfectNode {
  const all: Hash[][] = [leaves];
  while (all[all.length - 1]!.length > 1) {
    const prev = all[all.length - 1]!;
    const next: Hash[] = [];
    for (let i = 0; i + 1 < prev.length; i += 2) next.push(nodeHash(prev[i]!, prev[i + 1]!));
    all.push(next);
  }
  return (level, index) => {
    const h = all[level]?.[index];
    if (!h) throw new RangeError(`no perfect node ${level}:${index}`);
    return h;
  };
}

/** `levels` over leaf hashes packed 32 bytes apiece in one buffer (no object per hash). */
export function packedLevels(leaves: Buffer): PerfectNode {
  const all: Buffer[] = [leaves];
  for (let prev = leaves; prev.length > 32;) {
    const count = Math.floor(prev.length / 64);
    const next = Buffer.allocUnsafe(count * 32);
    for (let i = 0; i < count; i++)
      nodeHash(prev.subarray(i * 64, i * 64 + 32), prev.subarray(i * 64 + 32, i * 64 + 64)).copy(next, i * 32);
    all.push(next);
    prev = next;
  }
  return (level, index) => {
    const b = all[level];
    if (!b || (index + 1) * 32 > b.length) throw new RangeError(`no perfect node ${level}:${index}`);
    return b.subarray(index * 32, index * 32 + 32);
  };
}

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** What an examiner's verification found: every problem named, with the file it concerns. */
export interface PackReport {
  ok: boolean;
  problems: string[];
  asOf: string | null;
  scope: Scope | null;
  events: number;
  treeSize: number | null;
}

/**
 * Verifies an examination pack offline: the manifest's signature by the pinned key, each file's
 * digest against the manifest, the checkpoint note's signature and origin, and the events against
 * the checkpoint's root (every event recomputed when the pack holds them all, else the inclusion
 * proof of each cited event), and that every cited event is there.
 */
export function verifyPack(
  files: Record<string, Uint8Array>,
  key: { origin: string; keyName: string; publicKey: Buffer },
): PackReport {
  const problems: string[] = [];
  const report = (extra: Partial<PackReport> = {}): PackReport => ({
    ok: problems.length === 0,
    problems,
    asOf: null,
    scope: null,
    events: 0,
    treeSize: null,
    ...extra,
  });
  const manifestBytes = files['manifest.json'];
  const sig = files['manifest.sig'];
  if (!manifestBytes || !sig) {
    problems.push('manifest.json or manifest.sig is missing: not an examination pack');
    return report();
  }
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey]);
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (
    !verifySignature(
      null,
      // The audit key signs digests as text (see AuditSigner.signDigest).
      Buffer.from(`sha256:${sha256Hex(manifestBytes)}`),
      publicKey,
      Buffer.from(Buffer.from(sig).toString('utf8').trim(), 'base64'),
    )
  )
    problems.push('manifest.sig: the manifest is not signed by the pinned key (edited manifest or another key)');
  let m: PackManifest;
  try {
    m = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as PackManifest;
  } catch {
    problems.push('manifest.json is not JSON');
    return report();
  }
  if (m.format !== PACK_FORMAT) problems.push(`manifest.json: format '${m.format}' is not ${PACK_FORMAT}`);
  if (m.origin !== key.origin)
    problems.push(`manifest.json: origin '${m.origin}' is not the pinned log's '${key.origin}'`);
  for (const f of m.files ?? []) {
    const bytes = files[f.path];
    if (!bytes) problems.push(`${f.path}: listed in the manifest but missing from the pack`);
    else if (sha256Hex(bytes) !== f.sha256)
      problems.push(`${f.path}: its sha256 differs from the manifest's (the file was edited)`);
  }
  for (const path of Object.keys(files))
    if (path !== 'manifest.json' && path !== 'manifest.sig' && !(m.files ?? []).some((f) => f.path === path))
      problems.push(`${path}: not listed in the manifest`);
  const note = verifyCheckpointNote(m.checkpoint?.note ?? '', key.keyName, key.publicKey);
  if (!note.ok) {
    problems.push(`checkpoint: ${note.reason}`);
    return report({ asOf: m.asOf, scope: m.scope });
  }
  const cp = note.checkpoint;
  if (cp.origin !== key.origin) problems.push(`checkpoint: origin '${cp.origin}' is not '${key.origin}'`);
  if (cp.treeSize !== m.checkpoint.treeSize)
    problems.push(`checkpoint: the note is for size ${cp.treeSize}, the manifest says ${m.checkpoint.treeSize}`);
  const lines = Buffer.from(files['events.jsonl'] ?? new Uint8Array())
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  const bySeq = new Map<number, string>();
  for (const l of lines) {
    const seq = (JSON.parse(l) as { seq?: number }).seq;
    if (typeof seq === 'number') bySeq.set(seq, l);
  }
  for (const seq of m.cited ?? [])
    if (!bySeq.has(seq)) problems.push(`events.jsonl: cited event ${seq} is missing (removed from the pack)`);
  if (m.events === 'all') {
    if (lines.length !== cp.treeSize)
      problems.push(
        `events.jsonl: ${lines.length} events where the checkpoint covers ${cp.treeSize} (events removed or added)`,
      );
    const leaves = lines.map((l) => leafHashOfText(l));
    const root = leaves.length === cp.treeSize ? rangeHash(0, leaves.length, levels(leaves)) : null;
    if (root && !root.equals(cp.rootHash))
      problems.push(
        'events.jsonl: the events do not reproduce the signed checkpoint root (an event was edited, removed or reordered)',
      );
  } else {
    const proofs = JSON.parse(Buffer.from(files['proofs.json'] ?? Buffer.from('{}')).toString('utf8')) as Record<
      string,
      string[]
    >;
    for (const [seq, line] of bySeq) {
      const proof = proofs[String(seq)];
      if (!proof) problems.push(`proofs.json: no inclusion proof for event ${seq}`);
      else if (
        !verifyInclusion(
          seq - 1,
          cp.treeSize,
          leafHashOfText(line),
          proof.map((p) => Buffer.from(p, 'base64')),
          cp.rootHash,
        )
      )
        problems.push(
          `events.jsonl: event ${seq} is not included in the signed checkpoint (edited, or the checkpoint was swapped)`,
        );
    }
  }
  return report({ asOf: m.asOf, scope: m.scope, events: lines.length, treeSize: cp.treeSize });
}
