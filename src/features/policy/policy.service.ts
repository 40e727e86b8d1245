import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { checkAnswers, classify, requiredMeasures, type Answers } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { validatePack, type PackProblem } from '../../domain/policy/validate.ts';
import type { PolicyPackTable } from '../../db/schema.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize, heldRole, permissionRefusal } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refuse, refusalError, type ActionHint, type Refusal } from '../common/hints.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import {
  seal,
  signerPart,
  signerRefusal,
  signingPrincipal,
  trainingOnce,
  type ManifestSigner,
  type SignedRecord,
  type Signing,
  type SigningCredentials,
} from '../common/signing.ts';
import { parsePackText } from './pack-file.ts';
import type { PolicyRepo } from './policy.repo.ts';

/** What the activation of a pack signs: the pack by digest, and what its simulation said it would change. */
export interface ActivationManifest extends ManifestSigner {
  subject: { type: 'policy-pack'; id: string; name: string; version: string; digest: string };
  uploadedBy: string | null;
  previous: { id: string; name: string; version: string; digest: string } | null;
  simulation: SimulationSummary;
}

/** The simulation of a pack over the inventory, summarised for the activation's signer. */
export interface SimulationSummary {
  /** Assessed use cases whose outcome changes (tier, tags, category, measures or answers). */
  useCasesAffected: number;
  /** Of those, the use cases whose tier in force or assessed tier changes. */
  useCasesChangingTier: number;
  /** Requirements (use case × measure) the pack adds and removes. */
  requirementsAdded: number;
  requirementsRemoved: number;
  /** Use cases whose answers no longer fit the questionnaire: they must be re-assessed. */
  useCasesToReassess: number;
}

export interface PackInfo {
  id: string;
  name: string;
  version: string;
  digest: string;
  status: 'draft' | 'active' | 'retired';
  createdAt: string;
  createdBy: string | null;
  activatedAt: string | null;
  activatedBy: string | null;
  /** The activation's e-signature (null for the pack installed at first start, and before signatures). */
  activation: SignedRecord<ActivationManifest> | null;
}

/** A pack version as listed: with whether the caller may activate it now. */
export type PackRead = PackInfo & { actions: { activate: ActionHint } };

/** The organisation-wide role an activation is signed as: risk-audit before admin. */
const activatingRole = (ctx: RequestContext) =>
  ['risk-audit', 'admin'].find((r) => heldRole(ctx, [r], ORGANISATION) !== null) ?? null;

/**
 * Why the caller may not activate pack `row` by e-signature (credentials and training aside), or
 * null: policy:admin organisation-wide, a person, someone other than its uploader (four eyes on
 * governance itself), a pack not active already. The activation command and the list share it.
 */
export function activateRefusal(ctx: RequestContext, row: Omit<PolicyPackTable, 'content'>): Refusal | null {
  const denied = permissionRefusal(ctx, 'policy:admin', ORGANISATION) ?? signerRefusal(ctx);
  if (denied) return denied;
  if (row.status === 'active')
    return {
      code: 'conflict',
      message: `${row.name} ${row.version} is already active`,
      reason: 'It is the active pack.',
    };
  const p = ctx.principal;
  if (p && row.created_by !== null && row.created_by === p.userId)
    return {
      code: 'separation_of_duties',
      message: `${p.username} uploaded ${row.name} ${row.version}; another policy administrator must review and activate it (four eyes on governance)`,
      reason: 'You uploaded this pack: another policy administrator has to review and activate it.',
    };
  return null;
}

export interface PolicyServiceDeps extends CommandDeps {
  repo: PolicyRepo;
  /** Re-authentication and the server key: activation is an e-signature. */
  signing: Signing;
  /** Writes a refused activation (separation of duties) to the audit trail. */
  refused?: RecordRefusal;
  /** The use cases and their model versions, for simulation and re-evaluation. */
  inventory: { useCases(db: Executor): Promise<{ id: string; name: string; versions: string[] }[]> };
}

const info = (r: Omit<PolicyPackTable, 'content'>): PackInfo => ({
  id: r.id,
  name: r.name,
  version: r.version,
  digest: r.digest,
  status: r.status as PackInfo['status'],
  createdAt: r.created_at,
  createdBy: r.created_by,
  activatedAt: r.activated_at,
  activatedBy: r.activated_by,
  activation: r.activation_signature ? (JSON.parse(r.activation_signature) as SignedRecord<ActivationManifest>) : null,
});

/** Validation failure of an uploaded pack: a 400 whose errors point into the pack. */
export const invalidPack = (problems: PackProblem[], prefix = '/pack'): DomainError =>
  new DomainError(
    'validation_failed',
    `the policy pack is invalid: ${problems
      .slice(0, 3)
      .map((p) => `${p.path} ${p.message}`)
      .join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
    {
      errors: problems.map((p) => ({ pointer: `${prefix}${p.path === '/' ? '' : p.path}`, message: p.message })),
    },
  );

/** A pack given either as a document or as YAML/JSON text, validated. */
export function packFromInput(input: { pack?: unknown; yaml?: string }): PolicyPack {
  if ((input.pack === undefined) === (input.yaml === undefined)) {
    throw new DomainError('validation_failed', 'give the pack either as `pack` (a JSON document) or as `yaml` (text)', {
      errors: [{ pointer: '', message: 'exactly one of pack and yaml' }],
    });
  }
  let doc = input.pack;
  if (input.yaml !== undefined) {
    const parsed = parsePackText(input.yaml);
    if (parsed.problems.length > 0) throw invalidPack(parsed.problems, '/yaml');
    doc = parsed.doc;
  }
  const { pack, problems } = validatePack(doc);
  if (!pack) throw invalidPack(problems, input.yaml !== undefined ? '/yaml' : '/pack');
  return pack;
}

export interface SimulatedChange {
  useCaseId: string;
  useCase: string;
  versions: string[];
  /** `tier` is the tier in force (a confirmed override stays in force); `assessedTier` what the rules give. */
  current: { tier: number; assessedTier: number; tags: string[]; euAiAct: string } | null;
  candidate: { tier: number; assessedTier: number; tags: string[]; euAiAct: string } | null;
  /** The current answers do not fit the candidate's questionnaire: the use case must be re-assessed. */
  answerProblems: { question: string; message: string }[];
  measuresAdded: string[];
  measuresRemoved: string[];
}

/** The summary of a simulation an activation's manifest records. */
export function summarise(changes: SimulatedChange[]): SimulationSummary {
  return {
    useCasesAffected: changes.length,
    useCasesChangingTier: changes.filter(
      (c) => c.current?.tier !== c.candidate?.tier || c.current?.assessedTier !== c.candidate?.assessedTier,
    ).length,
    requirementsAdded: changes.reduce((n, c) => n + c.measuresAdded.length, 0),
    requirementsRemoved: changes.reduce((n, c) => n + c.measuresRemoved.length, 0),
    useCasesToReassess: changes.filter((c) => c.answerProblems.length > 0).length,
  };
}

export function createPolicyService({
  db,
  transact,
  audit,
  clock,
  ids,
  repo,
  inventory,
  signing,
  refused,
}: PolicyServiceDeps) {
  const parsed = new Map<string, PolicyPack>();
  /** Packs are immutable, so a parsed pack can be kept by id, in any process. */
  const packOf = (row: PolicyPackTable): PolicyPack => {
    let p = parsed.get(row.id);
    if (!p) parsed.set(row.id, (p = JSON.parse(row.content) as PolicyPack));
    return p;
  };
  const today = () => clock.now().toISOString().slice(0, 10);

  /** How each assessed use case would fare under `candidate` compared with the pack it was assessed under. */
  async function compare(exec: Executor, candidate: PolicyPack): Promise<SimulatedChange[]> {
    const useCases = new Map((await inventory.useCases(exec)).map((u) => [u.id, u]));
    const out: SimulatedChange[] = [];
    for (const a of await repo.currentAssessments(exec)) {
      const row = await repo.pack(exec, a.pack_id);
      if (!row) continue;
      const answers = JSON.parse(a.answers) as Answers;
      // Compared at the tier in force (a confirmed override counts, as it does for requirements).
      const before = {
        tier: a.override_tier ?? a.tier,
        assessedTier: a.tier,
        tags: JSON.parse(a.tags) as string[],
        euAiAct: a.eu_ai_act,
      };
      const beforeMeasures = requiredMeasures(packOf(row), before, answers, today()).map((m) => m.measure);
      const answerProblems = checkAnswers(candidate, answers);
      const classified = answerProblems.length === 0 ? classify(candidate, answers) : null;
      const after = classified && {
        ...classified,
        assessedTier: classified.tier,
        tier: a.override_tier ?? classified.tier,
      };
      const afterMeasures = after ? requiredMeasures(candidate, after, answers, today()).map((m) => m.measure) : [];
      const uc = useCases.get(a.use_case_id);
      out.push({
        useCaseId: a.use_case_id,
        useCase: uc?.name ?? a.use_case_id,
        versions: uc?.versions ?? [],
        current: before,
        candidate: after && {
          tier: after.tier,
          assessedTier: after.assessedTier,
          tags: after.tags,
          euAiAct: after.euAiAct,
        },
        answerProblems,
        measuresAdded: after ? afterMeasures.filter((m) => !beforeMeasures.includes(m)) : [],
        measuresRemoved: after ? beforeMeasures.filter((m) => !afterMeasures.includes(m)) : [],
      });
    }
    return out;
  }
  const changed = (c: SimulatedChange) =>
    c.answerProblems.length > 0 ||
    c.measuresAdded.length > 0 ||
    c.measuresRemoved.length > 0 ||
    c.current?.tier !== c.candidate?.tier ||
    c.current?.assessedTier !== c.candidate?.assessedTier ||
    c.current?.euAiAct !== c.candidate?.euAiAct ||
    canonicalize(c.current?.tags) !== canonicalize(c.candidate?.tags);

  return {
    packOf,

    async active(exec: Executor = db): Promise<{ row: PolicyPackTable; pack: PolicyPack }> {
      const row = await repo.activePack(exec);
      if (!row) throw new DomainError('conflict', 'no policy pack is active: upload one and activate it');
      return { row, pack: packOf(row) };
    },

    async upload(ctx: RequestContext, pack: PolicyPack): Promise<PackInfo> {
      const row = packRow(ctx, pack);
      await transact(async (tx) => {
        authorize(ctx, 'policy:admin', ORGANISATION);
        await storePack(tx, ctx, row, pack);
      });
      return info(row);
    },

    /**
     * Activates a pack by an e-signature of someone other than its uploader (four eyes on
     * governance itself). The manifest records the pack's digest and what its simulation over the
     * inventory says will change. What was assessed under the previous pack stays recorded under it;
     * every current assessment whose outcome would differ is marked for re-evaluation.
     */
    async activate(
      ctx: RequestContext,
      id: string,
      input: { comment?: string },
      credentials: SigningCredentials,
    ): Promise<{ pack: PackInfo; reevaluate: string[] }> {
      refuse(permissionRefusal(ctx, 'policy:admin', ORGANISATION));
      const p = signingPrincipal(ctx);
      const found = await repo.pack(db, id);
      if (!found) throw notFound('policy pack', id);
      const role = activatingRole(ctx)!;
      const refusal = activateRefusal(ctx, found);
      if (refusal?.code === 'separation_of_duties')
        await refused?.(ctx, {
          action: 'authz.separation-of-duties',
          account: p.username,
          subject: { type: 'policy-pack', id },
          detail: { role, refusal: refusal.message },
        });
      if (refusal) throw refusalError(refusal);
      const reauthenticatedWith = await signing.reauthenticate(ctx, credentials, [role]);
      return transact(async (tx) => {
        await repo.lockActivePack(tx);
        const row = await repo.pack(tx, id);
        if (!row) throw notFound('policy pack', id);
        if (row.status === 'active') refuse(activateRefusal(ctx, row));
        const previous = await repo.activePack(tx);
        const now = clock.now().toISOString();
        const manifest: ActivationManifest = {
          subject: { type: 'policy-pack', id: row.id, name: row.name, version: row.version, digest: row.digest },
          uploadedBy: row.created_by,
          previous: previous
            ? {
                id: previous.id,
                name: previous.name,
                version: previous.version,
                digest: previous.digest,
              }
            : null,
          // The simulation runs in the activating transaction: the signer signs what happens.
          simulation: summarise((await compare(tx, packOf(row))).filter(changed)),
          ...signerPart(p, { role, meaning: 'approve', ...input }, now, reauthenticatedWith),
        };
        return activateIn(tx, ctx, id, seal(manifest, signing.signDigest));
      });
    },

    /** A dry run of a candidate pack over the whole inventory: only the use cases that would change. */
    async simulate(candidate: PolicyPack): Promise<SimulatedChange[]> {
      return (await compare(db, candidate)).filter(changed);
    },

    async list(): Promise<PackInfo[]> {
      return (await repo.packs(db)).map(info);
    },

    /** Every pack version with whether the caller may activate it now, by the activation's own rule. */
    async read(ctx: RequestContext): Promise<PackRead[]> {
      const trained = trainingOnce(signing, ctx);
      const role = activatingRole(ctx);
      return Promise.all(
        (await repo.packs(db)).map(async (r) => ({
          ...info(r),
          actions: { activate: hintOf(activateRefusal(ctx, r) ?? (role ? await trained(role) : null)) },
        })),
      );
    },

    async get(id: string): Promise<PackInfo & { pack: PolicyPack }> {
      const row = await repo.pack(db, id);
      if (!row) throw notFound('policy pack', id);
      return { ...info(row), pack: packOf(row) };
    },

    /** First start: the shipped default pack becomes the active one, in one transaction (recorded as the system's act). */
    async installDefault(ctx: RequestContext, pack: PolicyPack): Promise<boolean> {
      if ((await repo.countPacks(db)) > 0) return false;
      const row = packRow(ctx, pack);
      await transact(async (tx) => {
        await storePack(tx, ctx, row, pack);
        await activateIn(tx, ctx, row.id, null);
      });
      return true;
    },
  };

  function packRow(ctx: RequestContext, pack: PolicyPack): PolicyPackTable {
    const content = canonicalize(pack);
    return {
      id: ids.next(),
      name: pack.name,
      version: pack.version,
      digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
      content,
      status: 'draft',
      created_at: clock.now().toISOString(),
      created_by: actorId(ctx),
      activated_at: null,
      activated_by: null,
    };
  }

  async function storePack(tx: Tx, ctx: RequestContext, row: PolicyPackTable, pack: PolicyPack): Promise<void> {
    await repo.insertPack(tx, row);
    await audit.append(tx, ctx, {
      action: 'policy.upload',
      subject: { type: 'policy-pack', id: row.id },
      after: { ...info(row), pack },
    });
  }

  /** Uploading a pack and activating it must be different people. */
  async function activateIn(
    tx: Tx,
    ctx: RequestContext,
    id: string,
    signed: SignedRecord<ActivationManifest> | null,
  ): Promise<{ pack: PackInfo; reevaluate: string[] }> {
    await repo.lockActivePack(tx);
    const row = await repo.pack(tx, id);
    if (!row) throw notFound('policy pack', id);
    if (row.status === 'active') return { pack: info(row), reevaluate: [] };
    const previous = await repo.activePack(tx);
    const at = signed?.manifest.signedAt ?? clock.now().toISOString();
    await repo.activate(tx, id, at, actorId(ctx), signed && JSON.stringify(signed));
    const affected = (await compare(tx, packOf(row))).filter(changed);
    for (const c of affected) {
      const current = await repo.currentAssessment(tx, c.useCaseId);
      if (current) await repo.updateAssessment(tx, current.id, { reevaluate_under: id });
    }
    const activated = {
      ...row,
      status: 'active' as const,
      activated_at: at,
      activated_by: actorId(ctx),
      activation_signature: signed && JSON.stringify(signed),
    };
    const reevaluate = affected.map((c) => c.useCaseId);
    await audit.append(tx, ctx, {
      action: 'policy.activate',
      subject: { type: 'policy-pack', id },
      before: previous ? info(previous) : null,
      after: { ...info(activated), reevaluate },
    });
    return { pack: info(activated), reevaluate };
  }
}

export type PolicyService = ReturnType<typeof createPolicyService>;
