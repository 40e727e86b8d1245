// Human oversight (EU AI Act Art. 14): an authorised person can suspend a version in production
// and later lift the suspension. Both are electronically signed decisions (password re-entered or
// a sign-scoped token re-presented), recorded in the audit trail; while a suspension holds, the
// deployment check answers "not allowed" for the version in every environment.

import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { SuspensionTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { permissionRefusal } from '../common/authorize.ts';
import { hintOf, refuse, refusalOf, trainingWords, type ActionHint, type Refusal } from '../common/hints.ts';
import type { VersionOwner } from '../lifecycle/lifecycle.repo.ts';
import { seal, type SigningCredentials } from '../common/signing.ts';
import { ORGANISATION, rolesGranting } from '../../domain/authz.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';

export interface OversightDeps extends CommandDeps {
  repo: MonitoringRepo;
  owner: (exec: Executor, model: string, version: number) => Promise<VersionOwner | undefined>;
  reauthenticate: (ctx: RequestContext, credentials: SigningCredentials, roles: readonly string[]) => Promise<unknown>;
  /** The training gate alone (the first check of `reauthenticate`). */
  gate?: (ctx: RequestContext, roles: readonly string[]) => Promise<void>;
  signDigest: (digest: string) => string;
}

/** The roles through which the caller may give an oversight signature in `team`: any that grants suspending there. */
function signingRoles(ctx: RequestContext, team: string): string[] {
  const through = rolesGranting('oversight:suspend') as string[];
  const held = (ctx.principal?.roles ?? []).filter(
    (a) => (a.scope === team || a.scope === ORGANISATION) && through.includes(a.role),
  );
  return [...new Set(held.map((a) => a.role))];
}

export interface SignedRecord {
  manifest: {
    subject: { type: 'model-version'; id: string; model: string; version: number };
    decision: 'suspend' | 'lift';
    reason: string;
    signer: { id: string; username: string; name: string };
    signedAt: string;
  };
  manifestDigest: string;
  serverSignature: string;
}

export interface Suspension {
  id: string;
  model: string;
  version: number;
  reason: string;
  active: boolean;
  suspended: { at: string; by: string; signature: SignedRecord };
  lifted: { at: string; by: string | null; signature: SignedRecord | null } | null;
}

export function createOversightService(deps: OversightDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  const toSuspension = (s: SuspensionTable, model: string, version: number): Suspension => ({
    id: s.id,
    model,
    version,
    reason: s.reason,
    active: s.active_key !== null,
    suspended: { at: s.suspended_at, by: s.suspended_by, signature: JSON.parse(s.signature) as SignedRecord },
    lifted: s.lifted_at
      ? {
          at: s.lifted_at,
          by: s.lifted_by,
          signature: s.lift_signature ? (JSON.parse(s.lift_signature) as SignedRecord) : null,
        }
      : null,
  });

  async function sign(
    ctx: RequestContext,
    owner: VersionOwner,
    model: string,
    version: number,
    decision: 'suspend' | 'lift',
    reason: string,
    credentials: SigningCredentials,
  ): Promise<SignedRecord> {
    refuse(permissionRefusal(ctx, 'oversight:suspend', owner.team));
    // Any role through which the signer may suspend here can give the signature.
    await deps.reauthenticate(ctx, credentials, signingRoles(ctx, owner.team));
    const p = ctx.principal!;
    const manifest: SignedRecord['manifest'] = {
      subject: { type: 'model-version', id: owner.versionId, model, version },
      decision,
      reason,
      signer: { id: p.userId, username: p.username, name: p.displayName },
      signedAt: clock.now().toISOString(),
    };
    return seal(manifest, deps.signDigest);
  }

  async function target(model: string, version: number): Promise<VersionOwner> {
    const owner = await deps.owner(db, model, version);
    if (!owner) throw notFound('model version', `${model}/${version}`);
    return owner;
  }

  /** Why the caller may not suspend or lift a version of `team` (credentials aside), or null: the same checks as `sign`. */
  async function oversightRefusal(ctx: RequestContext, team: string): Promise<Refusal | null> {
    const denied = permissionRefusal(ctx, 'oversight:suspend', team);
    if (denied || !deps.gate) return denied;
    return refusalOf(() => deps.gate!(ctx, signingRoles(ctx, team)), trainingWords);
  }

  return {
    /** Whether the caller may suspend (or lift the suspension of) a version now, before the dialog asks for a password. */
    async eligibility(ctx: RequestContext, model: string, version: number): Promise<ActionHint> {
      return hintOf(await oversightRefusal(ctx, (await target(model, version)).team));
    },

    async suspend(
      ctx: RequestContext,
      model: string,
      version: number,
      input: { reason: string } & SigningCredentials,
    ): Promise<Suspension> {
      const owner = await target(model, version);
      const signed = await sign(ctx, owner, model, version, 'suspend', input.reason, input);
      return transact(async (tx) => {
        const row: SuspensionTable = {
          id: ids.next(),
          model_version_id: owner.versionId,
          reason: input.reason,
          signature: canonicalize(signed),
          suspended_at: signed.manifest.signedAt,
          suspended_by: ctx.principal!.userId,
          lifted_at: null,
          lifted_by: null,
          lift_signature: null,
          active_key: owner.versionId,
        };
        await repo.insertSuspension(tx, row);
        const s = toSuspension(row, model, version);
        await audit.append(tx, ctx, {
          action: 'version.suspend',
          subject: { type: 'model-version', id: owner.versionId },
          after: s,
        });
        return s;
      });
    },

    async lift(
      ctx: RequestContext,
      model: string,
      version: number,
      input: { reason: string } & SigningCredentials,
    ): Promise<Suspension> {
      const owner = await target(model, version);
      const signed = await sign(ctx, owner, model, version, 'lift', input.reason, input);
      return transact(async (tx) => {
        const active = await repo.activeSuspension(tx, owner.versionId);
        if (!active) throw new DomainError('conflict', `${model}/${version} is not suspended`);
        const set = {
          lifted_at: signed.manifest.signedAt,
          lifted_by: ctx.principal!.userId,
          lift_signature: canonicalize(signed),
        };
        if (!(await repo.liftSuspension(tx, active.id, set)))
          throw new DomainError('conflict', `${model}/${version} is not suspended`);
        const s = toSuspension({ ...active, ...set, active_key: null }, model, version);
        await audit.append(tx, ctx, {
          action: 'version.unsuspend',
          subject: { type: 'model-version', id: owner.versionId },
          before: { active: true },
          after: s,
        });
        return s;
      });
    },

    async list(model: string, version: number): Promise<Suspension[]> {
      const owner = await target(model, version);
      return (await repo.suspensions(db, owner.versionId)).map((s) => toSuspension(s, model, version));
    },
  };
}

export type OversightService = ReturnType<typeof createOversightService>;
