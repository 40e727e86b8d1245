import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { ORGANISATION, type Principal } from '../../domain/authz.ts';
import type { Meaning } from '../../domain/lifecycle/manifest.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { LifecycleCore, LifecycleDeps } from './core.service.ts';
import type { Governance } from './governance.service.ts';
import type { PolicyContext } from '../policy/context.service.ts';

/** A person who could give a signature in a role. */
export interface Signatory {
  username: string;
  displayName: string;
}

/** Whether the caller may sign a version in a role, and if not why and who can instead. */
export interface SigningEligibility {
  model: string;
  version: number;
  role: string;
  meaning: Meaning;
  allowed: boolean;
  /** The error code signing would answer with, or null when it would be accepted (credentials aside). */
  code: 'forbidden' | 'training_required' | 'separation_of_duties' | 'conflict' | null;
  /** Why not, in plain words, or null. */
  reason: string | null;
  /** Other people holding the role in the version's team (or organisation-wide) who are independent of it. */
  canSign: Signatory[];
  /** The training to complete first, when that is what stands in the way. */
  training: { id: string; title: string } | null;
}

/** Why a signer would be refused, as the command would answer (credentials aside). */
export interface Refusal {
  code: NonNullable<SigningEligibility['code']>;
  reason: string;
  training?: { id: string; title: string };
}

/** Whether the caller may sign a use case's own steps in a role, and if not why and who can instead. */
export type UseCaseSigningEligibility = Omit<SigningEligibility, 'model' | 'version'> & { useCase: string };

/** Who granted the assignments through which a user holds a role in a team (or organisation-wide). */
type Grantors = (exec: Executor, userId: string, role: string, team: string) => Promise<(string | null)[]>;

/**
 * Why `p` may not give an independent `role` sign-off on a version, in plain words, or null. Only
 * approvals and reviews need independence, and only where a measure of the version asks for an
 * independent sign-off by that role. The signing command and the eligibility read share this rule.
 */
export async function independenceRefusal(
  exec: Executor,
  g: Governance,
  p: Pick<Principal, 'userId'>,
  input: { role: string; meaning: Meaning },
  grantors: Grantors | undefined,
  what: string,
): Promise<string | null> {
  if (!g.policy || (input.meaning !== 'approve' && input.meaning !== 'review')) return null;
  const independent = g.requirements.some((r) =>
    g
      .policy!.pack.measures.find((m) => m.id === r.measure)!
      .evidence.some((e) => e.kind === 'signoff' && e.independent && e.roles.includes(input.role as never)),
  );
  if (!independent) return null;
  if (g.authors.includes(p.userId)) {
    const own = g.signatures.find((s) => s.signer.id === p.userId && s.meaning === 'author');
    const dev = g.signatures.find((s) => s.signer.id === p.userId && s.role === 'data-scientist');
    const because = own
      ? `you signed ${what} as its author`
      : dev
        ? `you signed ${what} as its ${dev.role}`
        : `you registered ${what}`;
    return `${because}, and a ${input.role} ${input.meaning === 'review' ? 'review' : 'approval'} must come from someone independent of the work (effective challenge)`;
  }
  const by = (await grantors?.(exec, p.userId, input.role, g.owner.team)) ?? [];
  if (by.length > 0 && by.every((x) => x !== null && g.authors.includes(x)))
    return `you hold ${input.role} only through a grant by someone who built or authored ${what}, so your sign-off would not be independent of them`;
  return null;
}

/**
 * Why `p` may not give an independent `role` sign-off on a use case's own steps, in plain words, or
 * null: only approvals and reviews, only where a measure of a use-case step asks for an independent
 * sign-off by that role, and only from the person who created the use case. The use-case signing
 * command and its eligibility read share this rule.
 */
export function useCaseIndependenceRefusal(
  policy: Pick<PolicyContext, 'pack'>,
  uc: { name: string; createdBy: string | null },
  p: Pick<Principal, 'userId'>,
  input: { role: string; meaning: Meaning },
): string | null {
  if (input.meaning !== 'approve' && input.meaning !== 'review') return null;
  const scoped = new Set(policy.pack.steps.filter((s) => s.scope === 'use-case').map((s) => s.id));
  const independent = policy.pack.measures.some(
    (m) =>
      scoped.has(m.step) &&
      m.evidence.some((e) => e.kind === 'signoff' && e.independent && e.roles.includes(input.role as never)),
  );
  if (!independent || uc.createdBy !== p.userId) return null;
  return `you created use case '${uc.name}', and a ${input.role} ${input.meaning === 'review' ? 'review' : 'approval'} must come from someone independent of the work (effective challenge)`;
}

/** Who can act instead of a refused signer, as one sentence. */
export const insteadOf = (role: string, team: string, canSign: Signatory[]): string =>
  canSign.length > 0
    ? `Ask ${canSign.map((c) => `${c.displayName} (${c.username})`).join(', ')} to sign as ${role} instead`
    : `No other ${role} of team '${team}' is independent of it: an administrator can grant ${role} to someone who is`;

export interface EligibilityDeps extends Pick<LifecycleDeps, 'db' | 'repo' | 'governance'> {
  core: Pick<LifecycleCore, 'load'>;
  grantors?: Grantors;
  /** The training gate: throws `training_required` when the caller lacks a training the roles require. */
  trainingGate: (ctx: RequestContext, roles: readonly string[]) => Promise<void>;
  /** Active people holding a role in the given scopes. */
  holders: (exec: Executor, role: string, scopes: string[]) => Promise<(Signatory & { id: string })[]>;
}

/**
 * The "can I sign this?" read a sign dialog asks before the password is typed: the same refusals
 * the signing command gives (role, training, nothing to sign against, separation of duties), worded
 * for people, with the colleagues who can sign instead. Signing still enforces every rule itself.
 */
export function createEligibility(deps: EligibilityDeps) {
  const { db, repo, core, grantors, trainingGate, holders, governance } = deps;

  /** Holders of the role in the team or organisation-wide, other than `me`, who are independent of the version. */
  async function whoCanSign(
    exec: Executor,
    g: Governance,
    me: string,
    input: { role: string; meaning: Meaning },
    model: string,
    version: number,
  ): Promise<Signatory[]> {
    const people = await holders(exec, input.role, [g.owner.team, ORGANISATION]);
    const out: Signatory[] = [];
    for (const h of people) {
      if (h.id === me) continue;
      if ((await independenceRefusal(exec, g, { userId: h.id }, input, grantors, `${model} v${version}`)) !== null)
        continue;
      out.push({ username: h.username, displayName: h.displayName });
    }
    return out;
  }

  /**
   * What every e-signature checks of its signer before credentials, worded for the signer: a token
   * needs the sign (or write) scope, the role must be held in the owning team (or organisation-wide)
   * and the training the role requires must be current. `act` names the act ("sign", "review").
   */
  async function signerRefusal(ctx: RequestContext, role: string, team: string, act = 'sign'): Promise<Refusal | null> {
    const p = ctx.principal;
    if (!p) return { code: 'forbidden', reason: `only a person can ${act}` };
    if (p.scopes && !p.scopes.includes('write') && !p.scopes.includes('sign'))
      return { code: 'forbidden', reason: `this token may not ${act}: it needs the sign (or write) scope` };
    if (!p.roles.some((a) => a.role === role && (a.scope === ORGANISATION || a.scope === team)))
      return {
        code: 'forbidden',
        reason: `you do not hold the role ${role} in team '${team}' (or organisation-wide), so you cannot ${act} as ${role}`,
      };
    try {
      await trainingGate(ctx, [role]);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'training_required') throw err;
      const t = err.extra as { training: string; title: string; status: string; expiresOn: string | null };
      return {
        code: 'training_required',
        reason:
          t.status === 'missing'
            ? `you have not completed the training '${t.title}', which ${act === 'sign' ? 'signing' : `${act}ing`} as ${role} requires`
            : `your training '${t.title}' expired on ${t.expiresOn}, and ${act === 'sign' ? 'signing' : `${act}ing`} as ${role} requires it to be current`,
        training: { id: t.training, title: t.title },
      };
    }
    return null;
  }

  /** Holders of the role in the use case's team or organisation-wide, other than `me`, independent of it. */
  async function whoCanSignUseCase(
    exec: Executor,
    policy: Pick<PolicyContext, 'pack'> | null,
    uc: { name: string; team: string; createdBy: string | null },
    me: string,
    input: { role: string; meaning: Meaning },
  ): Promise<Signatory[]> {
    const people = await holders(exec, input.role, [uc.team, ORGANISATION]);
    return people
      .filter(
        (h) => h.id !== me && (!policy || useCaseIndependenceRefusal(policy, uc, { userId: h.id }, input) === null),
      )
      .map((h) => ({ username: h.username, displayName: h.displayName }));
  }

  /** The answer of an eligibility read: allowed, or the refusal with the training it names. */
  const answer = <B extends object>(base: B, refusal: Refusal | null) =>
    refusal
      ? { ...base, allowed: false, code: refusal.code, reason: refusal.reason, training: refusal.training ?? null }
      : { ...base, allowed: true, code: null, reason: null, training: null };

  return {
    whoCanSign,
    whoCanSignUseCase,
    signerRefusal,
    holders,
    async ofVersion(
      ctx: RequestContext,
      model: string,
      version: number,
      input: { role: string; meaning: Meaning },
    ): Promise<SigningEligibility> {
      const p = ctx.principal;
      if (!p) throw new DomainError('forbidden', 'only a person can sign');
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      const g = await core.load(db, model, version);
      const canSign = await whoCanSign(db, g, p.userId, input, model, version);
      const base = { model, version, ...input, canSign };
      const refusal =
        (await signerRefusal(ctx, input.role, owner.team)) ??
        (!g.policy || !g.covered
          ? {
              code: 'conflict' as const,
              reason: `the use case of ${model} has no risk assessment yet, so there is nothing to sign`,
            }
          : null) ??
        ((sod) => (sod ? { code: 'separation_of_duties' as const, reason: sod } : null))(
          await independenceRefusal(db, g, p, input, grantors, `${model} v${version}`),
        );
      return answer(base, refusal);
    },

    /**
     * The "can I sign this use case?" read: the same refusals as signing a use case's own steps
     * (role, training, no assessment to sign against, separation of duties), with who can sign instead.
     */
    async ofUseCase(
      ctx: RequestContext,
      useCaseId: string,
      input: { role: string; meaning: Meaning },
    ): Promise<UseCaseSigningEligibility> {
      const p = ctx.principal;
      if (!p) throw new DomainError('forbidden', 'only a person can sign');
      const uc = await repo.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      const policy = await governance.policy(db, useCaseId);
      const canSign = await whoCanSignUseCase(db, policy, uc, p.userId, input);
      const sod = policy ? useCaseIndependenceRefusal(policy, uc, p, input) : null;
      const refusal =
        (await signerRefusal(ctx, input.role, uc.team)) ??
        (!policy
          ? {
              code: 'conflict' as const,
              reason: `use case '${uc.name}' has no risk assessment yet, so there is nothing to sign`,
            }
          : null) ??
        (sod ? { code: 'separation_of_duties' as const, reason: sod } : null);
      return answer({ useCase: uc.id, ...input, canSign }, refusal);
    },
  };
}

export type Eligibility = ReturnType<typeof createEligibility>;
