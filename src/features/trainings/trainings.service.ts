import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { PolicyAcknowledgementTable, TrainingCompletionTable } from '../../db/schema.ts';
import { ORGANISATION, type RoleAssignment } from '../../domain/authz.ts';
import type { PackTrainings } from '../../domain/policy/pack-trainings.ts';
import { blockingTraining, dayOf, isCalendarDay, standing } from '../../domain/trainings.ts';
import { conflict, DomainError, notFound, type ErrorField } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import {
  seal,
  signerPart,
  signingPrincipal,
  type ManifestSigner,
  type SignedRecord,
  type Signing,
  type SigningCredentials,
} from '../common/signing.ts';
import { parseCompletionsCsv } from './trainings.fns.ts';
import type { TrainingsRepo } from './trainings.repo.ts';
import type {
  AcknowledgementView,
  CompletionView,
  ImportResult,
  LiteracyReport,
  RecordCompletionBody,
  TrainingCatalogue,
  UserTrainings,
} from './trainings.schema.ts';

/** A policy pack as trainings see it. */
export interface PackRef {
  id: string;
  name: string;
  version: string;
  digest: string;
  status: string;
  trainings: PackTrainings | undefined;
}

/** A user as trainings see it. */
export interface TrainingUser {
  id: string;
  username: string;
  displayName: string;
  status: string;
  roles: RoleAssignment[];
}

export interface TrainingsDeps extends Pick<CommandDeps, 'db' | 'transact' | 'audit' | 'clock' | 'ids'> {
  repo: TrainingsRepo;
  packs: {
    active: (exec: Executor) => Promise<PackRef | undefined>;
    byId: (exec: Executor, id: string) => Promise<PackRef | undefined>;
  };
  users: {
    byId: (exec: Executor, id: string) => Promise<TrainingUser | undefined>;
    byName: (exec: Executor, username: string) => Promise<TrainingUser | undefined>;
    /** People holding a role in the team (organisation-wide roles not included). */
    members: (exec: Executor, team: string) => Promise<TrainingUser[]>;
    teamExists: (exec: Executor, team: string) => Promise<boolean>;
  };
  /** Re-authentication and the server key: an acknowledgement is an e-signature. */
  signing: Signing;
}

/** What an acknowledgement signs: the pack version by digest. */
export interface AcknowledgementManifest extends ManifestSigner {
  subject: { type: 'policy-pack'; id: string; name: string; version: string; digest: string };
}

/** The most rows one import takes (one transaction, one audit event). */
export const MAX_IMPORT_ROWS = 5000;

const completionView = (r: TrainingCompletionTable): CompletionView => ({
  id: r.id,
  training: r.training_id,
  completedOn: r.completed_on,
  certificate: r.certificate,
  source: r.source as CompletionView['source'],
  recordedAt: r.recorded_at,
  recordedBy: r.recorded_by,
});

const acknowledgementView = (r: PolicyAcknowledgementTable): AcknowledgementView => ({
  id: r.id,
  userId: r.user_id,
  packId: r.pack_id,
  signedAt: r.signed_at,
  signature: JSON.parse(r.signature) as SignedRecord<AcknowledgementManifest>,
});

/**
 * Training records and policy acknowledgements: completions people record for themselves (or
 * administrators for them, one by one or from CSV), where each person stands against the active
 * pack's trainings, the training gate every signature passes, and the AI-literacy report per team.
 */
export function createTrainingsService(deps: TrainingsDeps) {
  const { db, transact, audit, clock, ids, repo, packs, users } = deps;
  const today = () => dayOf(clock.now());

  const courses = async (exec: Executor) => (await packs.active(exec))?.trainings?.courses ?? [];

  async function userOf(exec: Executor, ref: string): Promise<TrainingUser> {
    const u = (await users.byId(exec, ref)) ?? (await users.byName(exec, ref));
    if (!u) throw notFound('user', ref);
    return u;
  }

  /** One's own records, or anyone's with identity:read organisation-wide. */
  function mayRead(ctx: RequestContext, userId: string): void {
    if (ctx.principal?.userId === userId) return;
    authorize(ctx, 'identity:read', ORGANISATION);
  }

  /** Why `completedOn` is not a completion day, or null. */
  function dayProblem(completedOn: string, now: string): string | null {
    if (!isCalendarDay(completedOn)) return `'${completedOn}' is not a date (YYYY-MM-DD)`;
    if (completedOn > now) return `${completedOn} is in the future (today is ${now})`;
    return null;
  }

  return {
    /** The active pack's trainings. */
    async catalogue(): Promise<TrainingCatalogue> {
      const pack = await packs.active(db);
      return {
        pack: pack ? { id: pack.id, name: pack.name, version: pack.version } : null,
        enforceFrom: pack?.trainings?.enforceFrom ?? null,
        items: pack?.trainings?.courses ?? [],
      };
    },

    /** Where a user stands on each training of the active pack, their completions and acknowledgements. */
    async ofUser(ctx: RequestContext, ref: string): Promise<UserTrainings> {
      const u = await userOf(db, ref);
      mayRead(ctx, u.id);
      const pack = await packs.active(db);
      const latest = await repo.latestOf(db, u.id);
      const now = today();
      const roles = new Set(u.roles.map((a) => a.role as string));
      return {
        user: { id: u.id, username: u.username, displayName: u.displayName },
        enforceFrom: pack?.trainings?.enforceFrom ?? null,
        items: (pack?.trainings?.courses ?? []).map((t) => ({
          training: t.id,
          title: t.title,
          ...standing(t, latest.get(t.id), now),
          requiredBy: t.requiredFor.filter((r) => roles.has(r)),
        })),
        completions: (await repo.completionsOf(db, [u.id])).map(completionView),
        acknowledgements: (await repo.acknowledgementsOf(db, u.id)).map(acknowledgementView),
      };
    },

    /** Records a completion: one's own, or anyone's with users:admin. */
    async record(ctx: RequestContext, ref: string, input: RecordCompletionBody): Promise<CompletionView> {
      const u = await userOf(db, ref);
      const self = ctx.principal?.userId === u.id;
      if (!self) authorize(ctx, 'users:admin', ORGANISATION);
      else if (ctx.principal?.scopes && !ctx.principal.scopes.includes('write'))
        throw new DomainError('forbidden', 'recording a completion needs a token with the write scope');
      const known = await courses(db);
      const errors: ErrorField[] = [];
      if (!known.some((t) => t.id === input.training))
        errors.push({
          pointer: '/training',
          message: `unknown training '${input.training}': one of ${known.map((t) => t.id).join(', ') || '(none in the active pack)'}`,
        });
      const bad = dayProblem(input.completedOn, today());
      if (bad) errors.push({ pointer: '/completedOn', message: bad });
      if (errors.length > 0)
        throw new DomainError('validation_failed', errors.map((e) => e.message).join('; '), { errors });
      const row: TrainingCompletionTable = {
        id: ids.next(),
        user_id: u.id,
        training_id: input.training,
        completed_on: input.completedOn,
        certificate: input.certificate ?? null,
        source: self ? 'self' : 'admin',
        recorded_at: clock.now().toISOString(),
        recorded_by: actorId(ctx),
      };
      return transact(async (tx) => {
        await repo.insertCompletions(tx, [row]);
        await audit.append(tx, ctx, {
          action: 'training.record',
          subject: { type: 'user', id: u.id },
          after: { username: u.username, ...completionView(row) },
        });
        return completionView(row);
      });
    },

    /** Imports completions from CSV: every row is checked first; one bad row and nothing is imported. */
    async importCsv(ctx: RequestContext, csv: string): Promise<ImportResult> {
      authorize(ctx, 'users:admin', ORGANISATION);
      const { rows, problems } = parseCompletionsCsv(csv);
      const errors: ErrorField[] = problems.map((p) => ({ pointer: '/csv', message: `line ${p.line}: ${p.message}` }));
      if (rows.length > MAX_IMPORT_ROWS)
        throw new DomainError('payload_too_large', `an import takes at most ${MAX_IMPORT_ROWS} rows; split the file`);
      if (rows.length === 0 && errors.length === 0)
        throw new DomainError('validation_failed', 'the CSV has no rows', {
          errors: [{ pointer: '/csv', message: 'no rows' }],
        });
      const known = new Set((await courses(db)).map((t) => t.id));
      const people = new Map<string, TrainingUser | undefined>();
      for (const name of new Set(rows.map((r) => r.username))) people.set(name, await users.byName(db, name));
      const now = today();
      for (const r of rows) {
        const at = (m: string) => errors.push({ pointer: '/csv', message: `line ${r.line}: ${m}` });
        if (!people.get(r.username)) at(`unknown user '${r.username}'`);
        if (!known.has(r.training)) at(`unknown training '${r.training}'`);
        const bad = dayProblem(r.completedOn, now);
        if (bad) at(bad);
      }
      if (errors.length > 0)
        throw new DomainError(
          'validation_failed',
          `nothing was imported: ${errors.length} problem${errors.length === 1 ? '' : 's'} (${errors
            .slice(0, 3)
            .map((e) => e.message)
            .join('; ')}${errors.length > 3 ? '; …' : ''})`,
          { errors },
        );
      const at = clock.now().toISOString();
      const inserted = rows.map((r): TrainingCompletionTable => ({
        id: ids.next(),
        user_id: people.get(r.username)!.id,
        training_id: r.training,
        completed_on: r.completedOn,
        certificate: null,
        source: 'import',
        recorded_at: at,
        recorded_by: actorId(ctx),
      }));
      return transact(async (tx) => {
        await repo.insertCompletions(tx, inserted);
        await audit.append(tx, ctx, {
          action: 'training.import',
          subject: { type: 'training-import', id: inserted[0]!.id },
          after: {
            imported: rows.length,
            rows: rows.map(({ username, training, completedOn }) => ({ username, training, completedOn })),
          },
        });
        return { imported: inserted.length, items: inserted.map(completionView) };
      });
    },

    /**
     * The training gate of every signature: throws 403 `training_required` when the signer, acting
     * in `roles` (one role, or the roles that could each give the signature), lacks a training
     * those roles require under the active pack, or its validity lapsed.
     */
    async gate(ctx: RequestContext, roles: readonly string[]): Promise<void> {
      const p = ctx.principal;
      if (!p || roles.length === 0) return;
      const pack = await packs.active(db);
      if (!pack?.trainings?.enforceFrom) return;
      const missing = blockingTraining(pack.trainings, roles, await repo.latestOf(db, p.userId), today());
      if (!missing) return;
      const { training, role, standing: s } = missing;
      const why =
        s.status === 'missing'
          ? `has not completed the training '${training.title}' (${training.id})`
          : `has a training '${training.title}' (${training.id}) that expired on ${s.expiresOn}`;
      throw new DomainError(
        'training_required',
        `${p.username} may not sign as ${role}: ${p.username} ${why}, which the role ${role} requires; record a current completion first`,
        { extra: { training: training.id, title: training.title, role, status: s.status, expiresOn: s.expiresOn } },
      );
    },

    /** A team's AI literacy (EU AI Act Art. 4): each member and their current AI-literacy training, if any. */
    async literacyReport(ctx: RequestContext, team: string): Promise<LiteracyReport> {
      if (!(await users.teamExists(db, team))) throw notFound('team', team);
      const p = ctx.principal;
      // Members see their own team's report; others need identity:read organisation-wide.
      if (p && !p.roles.some((a) => a.scope === team)) authorize(ctx, 'identity:read', ORGANISATION);
      const literacy = (await courses(db)).filter((t) => t.aiLiteracy);
      const members = await users.members(db, team);
      const now = today();
      const rows = await repo.completionsOf(
        db,
        members.map((m) => m.id),
      );
      const report = members.map((m) => {
        const standings = literacy.map((t) => {
          const latest = rows.find((r) => r.user_id === m.id && r.training_id === t.id)?.completed_on;
          return { training: t.id, ...standing(t, latest, now) };
        });
        // The best standing counts: current over expired over missing, the later expiry first.
        const rank = { current: 0, expired: 1, missing: 2 } as const;
        const best = standings.sort(
          (a, b) => rank[a.status] - rank[b.status] || (b.expiresOn ?? '').localeCompare(a.expiresOn ?? ''),
        )[0];
        return {
          userId: m.id,
          username: m.username,
          displayName: m.displayName,
          roles: [...new Set(m.roles.filter((a) => a.scope === team).map((a) => a.role as string))],
          status: best?.status ?? ('missing' as const),
          training: best && best.status !== 'missing' ? best.training : null,
          completedOn: best?.completedOn ?? null,
          expiresOn: best?.expiresOn ?? null,
        };
      });
      const count = (s: string) => report.filter((r) => r.status === s).length;
      return {
        team,
        asOf: now,
        trainings: literacy.map((t) => t.id),
        members: report,
        summary: {
          members: report.length,
          current: count('current'),
          expired: count('expired'),
          missing: count('missing'),
        },
      };
    },

    /** Acknowledges a policy pack version (default: the active one) by e-signature, meaning `acknowledge`. */
    async acknowledge(
      ctx: RequestContext,
      input: { packId?: string; comment?: string },
      credentials: SigningCredentials,
    ): Promise<AcknowledgementView> {
      const p = signingPrincipal(ctx);
      const pack = input.packId ? await packs.byId(db, input.packId) : await packs.active(db);
      if (!pack) throw input.packId ? notFound('policy pack', input.packId) : notFound('policy pack', 'active');
      if (pack.status === 'draft')
        throw new DomainError(
          'conflict',
          `${pack.name} ${pack.version} is a draft: only an active or past pack is acknowledged`,
        );
      // Said before the password is checked: typing it again would not change the answer.
      const before = (await repo.acknowledgementsOf(db, p.userId)).find((a) => a.pack_id === pack.id);
      if (before) throw conflict(`you already acknowledged ${pack.name} ${pack.version}, at ${before.signed_at}`);
      const reauthenticatedWith = await deps.signing.reauthenticate(ctx, credentials, []);
      const now = clock.now().toISOString();
      const manifest: AcknowledgementManifest = {
        subject: { type: 'policy-pack', id: pack.id, name: pack.name, version: pack.version, digest: pack.digest },
        ...signerPart(p, { role: 'reader', meaning: 'acknowledge', ...input }, now, reauthenticatedWith),
      };
      const signed = seal(manifest, deps.signing.signDigest);
      const row: PolicyAcknowledgementTable = {
        id: ids.next(),
        user_id: p.userId,
        pack_id: pack.id,
        signed_at: now,
        signature: JSON.stringify(signed),
      };
      return transact(async (tx) => {
        await repo.insertAcknowledgement(tx, row);
        await audit.append(tx, ctx, {
          action: 'policy.acknowledge',
          subject: { type: 'policy-pack', id: pack.id },
          after: acknowledgementView(row),
        });
        return acknowledgementView(row);
      });
    },

    /** Who acknowledged a pack version (default: the active one); identity:read organisation-wide. */
    async acknowledgements(ctx: RequestContext, packId?: string): Promise<AcknowledgementView[]> {
      authorize(ctx, 'identity:read', ORGANISATION);
      const pack = packId ? await packs.byId(db, packId) : await packs.active(db);
      if (!pack) throw notFound('policy pack', packId ?? 'active');
      return (await repo.acknowledgementsOfPack(db, pack.id)).map(acknowledgementView);
    },
  };
}

export type TrainingsService = ReturnType<typeof createTrainingsService>;
