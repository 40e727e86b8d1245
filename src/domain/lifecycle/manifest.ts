/**
 * What an electronic signature covers (21 CFR Part 11 §11.70: the signature is bound to its
 * record): the version's definition, the evidence and requirement statuses the signer was shown,
 * and the policy pack they were evaluated under. When any of these that bears on the gates up to the
 * signature's step changes, the signature is stale (the governance layer judges what bears on them).
 */
export interface CoveredState {
  definitionDigest: string;
  policy: { id: string; name: string; version: string };
  /** Evidence ids and content hashes, ordered by id. */
  evidence: { id: string; contentHash: string }[];
  /** Statuses of the measures that do not themselves depend on sign-offs, ordered by measure. */
  requirements: { measure: string; status: string }[];
}

/**
 * The credential the signer re-presented at the moment of signing: their password, a sign token (by
 * id), or a fresh login at the organisation's identity provider (single sign-on), with when it was.
 */
export type Reauthentication =
  { type: 'password' } | { type: 'token'; id: string } | { type: 'idp'; issuer: string; authTime: string };

export interface SignatureManifest extends CoveredState {
  subject: { type: 'model-version'; id: string; model: string; version: number };
  step: string;
  signer: { id: string; username: string; name: string };
  role: string;
  meaning: Meaning;
  comment: string;
  signedAt: string;
  reauthenticatedWith: Reauthentication;
}

export const MEANINGS = ['approve', 'reject', 'review', 'acknowledge', 'author'] as const;
export type Meaning = (typeof MEANINGS)[number];

export type Change =
  | { what: 'definition'; from: string; to: string }
  | { what: 'policy'; from: string; to: string }
  | { what: 'evidence'; change: 'added' | 'removed' | 'replaced'; id: string }
  | { what: 'requirement'; measure: string; from: string | null; to: string | null }
  | { what: 'assessment'; from: string; to: string };

/** What a use-case signature covers: the risk assessment (and pack) its scoping decisions rest on. */
export interface UseCaseManifest {
  subject: { type: 'use-case'; id: string; name: string };
  assessment: { id: string; tier: number; policy: { id: string; name: string; version: string } };
  signer: { id: string; username: string; name: string };
  role: string;
  meaning: Meaning;
  comment: string;
  signedAt: string;
  reauthenticatedWith: Reauthentication;
}

/** What changed between the state a signature covered and the current one (empty: still fresh). */
export function diffCovered(signed: CoveredState, now: CoveredState): Change[] {
  const changes: Change[] = [];
  if (signed.definitionDigest !== now.definitionDigest)
    changes.push({ what: 'definition', from: signed.definitionDigest, to: now.definitionDigest });
  if (signed.policy.id !== now.policy.id)
    changes.push({
      what: 'policy',
      from: `${signed.policy.name} ${signed.policy.version}`,
      to: `${now.policy.name} ${now.policy.version}`,
    });
  const before = new Map(signed.evidence.map((e) => [e.id, e.contentHash]));
  const after = new Map(now.evidence.map((e) => [e.id, e.contentHash]));
  for (const [id, hash] of after) {
    if (!before.has(id)) changes.push({ what: 'evidence', change: 'added', id });
    else if (before.get(id) !== hash) changes.push({ what: 'evidence', change: 'replaced', id });
  }
  for (const id of before.keys()) if (!after.has(id)) changes.push({ what: 'evidence', change: 'removed', id });
  const was = new Map(signed.requirements.map((r) => [r.measure, r.status]));
  const is = new Map(now.requirements.map((r) => [r.measure, r.status]));
  for (const measure of new Set([...was.keys(), ...is.keys()])) {
    if (was.get(measure) !== is.get(measure))
      changes.push({ what: 'requirement', measure, from: was.get(measure) ?? null, to: is.get(measure) ?? null });
  }
  return changes;
}

/** The covered part of a manifest, for comparison with the current state. */
export const coveredOf = (m: CoveredState): CoveredState => ({
  definitionDigest: m.definitionDigest,
  policy: m.policy,
  evidence: m.evidence,
  requirements: m.requirements,
});
