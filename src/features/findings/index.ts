import { systemContext } from '../../context.ts';
import { grouped } from '../../db/chunks.ts';
import type { Executor } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { blocks, findingsRules } from '../../domain/policy/pack-governance.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { Waiver } from '../../domain/policy/status.ts';
import type { App } from '../../http/app-types.ts';
import type { Clock } from '../../clock.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import type { Signing } from '../common/signing.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import { createExceptionsService, type CreateTasks } from './exceptions.service.ts';
import { findingsRepo } from './findings.repo.ts';
import { findingsRoutes } from './findings.routes.ts';
import { createFindingsService, type FindingsDeps } from './findings.service.ts';
import type { SubjectDeps } from './subjects.ts';

export const EXPIRE_JOB = 'exceptions.expire';

export interface FindingsFeatureDeps extends FeatureDeps, SubjectDeps {
  signing: Signing;
  user: FindingsDeps['user'];
  createTasks: CreateTasks;
  queue: Pick<JobQueue, 'send'>;
  refused?: RecordRefusal;
  /** How often the expiry of exceptions is checked (default every minute). */
  sweepMs?: number;
  onError: (err: unknown, what: string) => void;
}

/** Findings raised by validators, and exceptions (waivers) of measures with their expiry. */
export function createFindingsFeature(deps: FindingsFeatureDeps) {
  const { queue, sweepMs, onError, ...rest } = deps;
  const findings = createFindingsService({ ...rest, repo: findingsRepo });
  const exceptions = createExceptionsService({ ...rest, repo: findingsRepo });
  const services = { findings, exceptions };
  let timer: NodeJS.Timeout | undefined;
  // One job per minute at most: the key makes repeated sends of the same minute one job.
  const kick = () =>
    queue
      .send(EXPIRE_JOB, {}, `expire:${Math.floor(deps.clock.now().getTime() / 60_000)}`)
      .catch((err) => onError(err, 'scheduling the expiry of exceptions'));
  return {
    services,
    routes: (api: App) => findingsRoutes(api, { findings, exceptions }),
    jobs: {
      [EXPIRE_JOB]: async () => {
        await exceptions.expireDue(systemContext('exceptions.expire'));
      },
    },
    start: async () => {
      await kick();
      timer = setInterval(() => void kick(), sweepMs ?? 60_000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
    },
  } satisfies Feature<typeof services>;
}

export type FindingsServices = ReturnType<typeof createFindingsFeature>['services'];

/**
 * What findings and exceptions weigh in each version's gates (read by the lifecycle), by version
 * id: open findings on the version or its use case at or above its pack's blocking severity, with
 * the environments they block; and approved exceptions on either that have not expired at `now`.
 */
export async function findingsGovernance(
  exec: Executor,
  versions: { owner: { versionId: string; useCaseId: string }; pack: PolicyPack }[],
  clock: Clock,
): Promise<Map<string, { findings: BlockingFinding[]; waivers: Waiver[] }>> {
  // Read together for every version asked (an inventory page's): two statements, not two a version.
  const subjects = [...new Set(versions.flatMap(({ owner }) => [owner.versionId, owner.useCaseId]))];
  const [open, valid] = await Promise.all([
    grouped(
      subjects,
      (part) => findingsRepo.openOn(exec, part),
      (f) => f.subject_id,
    ),
    grouped(
      subjects,
      (part) => findingsRepo.validOn(exec, part, clock.now().toISOString()),
      (e) => e.subject_id,
    ),
  ]);
  const out = new Map<string, { findings: BlockingFinding[]; waivers: Waiver[] }>();
  for (const { owner, pack } of versions) {
    const rules = findingsRules(pack);
    // In id order across both subjects, as one statement over both would give them.
    const on = <T extends { id: string }>(m: Map<string, T[]>) =>
      [...(m.get(owner.versionId) ?? []), ...(m.get(owner.useCaseId) ?? [])].sort((x, y) => (x.id < y.id ? -1 : 1));
    out.set(owner.versionId, {
      findings: on(open)
        .map((f) => ({
          id: f.id,
          severity: f.severity,
          title: f.title,
          environments: rules.gates.filter((env) => blocks(rules, f.severity, env)),
        }))
        .filter((f) => f.environments.length > 0),
      // The version's own waiver wins over its use case's (it is the more specific decision).
      waivers: on(valid)
        .sort((a, b) => (a.subject_type === b.subject_type ? 0 : a.subject_type === 'use-case' ? -1 : 1))
        .map((e) => ({ exception: e.id, measure: e.measure, approvedBy: e.decided_by!, expiresAt: e.expires_at })),
    });
  }
  return out;
}

interface BlockingFinding {
  id: string;
  severity: string;
  title: string;
  environments: string[];
}

/** Approved, unexpired exceptions of a use case itself (its own steps' requirements). */
export async function useCaseWaivers(exec: Executor, useCaseId: string, clock: Clock): Promise<Waiver[]> {
  return (await findingsRepo.validOn(exec, [useCaseId], clock.now().toISOString())).map((e) => ({
    exception: e.id,
    measure: e.measure,
    approvedBy: e.decided_by!,
    expiresAt: e.expires_at,
  }));
}

/** Open findings by subject id (the inventory export's column). */
export const openFindingCounts = (exec: Executor, subjectIds: string[]) => findingsRepo.openCounts(exec, subjectIds);
