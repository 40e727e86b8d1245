import { sql } from 'kysely';
import { CURRENT } from '../../db/partial.ts';
import type { Executor } from '../../db/database.ts';

/** How many use cases stand in each column of the board, at most, before "and N more". */
export const BOARD_COLUMN = 50;

export interface SummaryRows {
  useCases: number;
  models: number;
  byTier: { tier: number | null; count: number }[];
  byStep: { step: string | null; count: number }[];
  versionsByStep: { step: string; count: number }[];
  production: { model: string; version: number; useCaseId: string; useCaseName: string; since: string }[];
  openAlerts: number;
  openIncidents: number;
  overdueReviews: number;
  staleApprovals: number;
  board: { step: string | null; id: string; name: string; tier: number | null; ownerTeam: string }[];
}

const n = (v: number | string | bigint | null | undefined) => Number(v ?? 0);

/**
 * The counts the home dashboard shows, each one aggregate query over the tables it counts (reads
 * only): tiers from current assessments, steps from use cases' and versions' lifecycle states,
 * production from open deployments, stale approvals as open re-review tasks (one per stale sign-off).
 */
export const overviewSummaryRepo = {
  async summary(db: Executor, now: string): Promise<SummaryRows> {
    const tierExpr = sql<number | null>`coalesce(a.override_tier, a.tier)`;
    const [useCases, models, byTier, byStep, versionsByStep, production, alerts, incidents, overdue, stale, board] =
      await Promise.all([
        db
          .selectFrom('use_cases')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('models')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('use_cases as uc')
          .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'uc.id').on('a.current', '=', CURRENT))
          .select((eb) => [tierExpr.as('tier'), eb.fn.countAll<number>().as('n')])
          .groupBy(tierExpr)
          .execute(),
        db
          .selectFrom('use_cases as uc')
          .leftJoin('use_case_states as us', 'us.use_case_id', 'uc.id')
          .select((eb) => ['us.step', eb.fn.countAll<number>().as('n')])
          .groupBy('us.step')
          .execute(),
        db
          .selectFrom('lifecycle_states as ls')
          .innerJoin('model_versions as mv', 'mv.id', 'ls.model_version_id')
          .innerJoin('models as m', 'm.id', 'mv.model_id')
          .where('m.deleted_at', 'is', null)
          .select((eb) => ['ls.step', eb.fn.countAll<number>().as('n')])
          .groupBy('ls.step')
          .execute(),
        db
          .selectFrom('deployments as d')
          .innerJoin('model_versions as mv', 'mv.id', 'd.model_version_id')
          .innerJoin('models as m', 'm.id', 'd.model_id')
          .innerJoin('use_cases as uc', 'uc.id', 'm.use_case_id')
          .select(['m.name as model', 'mv.version', 'uc.id as use_case_id', 'uc.name as use_case_name', 'd.since'])
          .where('d.environment', '=', 'production')
          .where('d.until', 'is', null)
          .where('m.deleted_at', 'is', null)
          .orderBy('m.name')
          .orderBy('mv.version')
          .execute(),
        db
          .selectFrom('alerts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('state', '!=', 'resolved')
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('incidents')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('closed_at', 'is', null)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('assessments')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('current', '=', CURRENT)
          .where('review_by', '<', now)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 're-review')
          .where('status', '=', 'open')
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('use_cases as uc')
          .leftJoin('use_case_states as us', 'us.use_case_id', 'uc.id')
          .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'uc.id').on('a.current', '=', CURRENT))
          .select(['us.step', 'uc.id', 'uc.name', 'uc.owner_team', tierExpr.as('tier')])
          .orderBy('uc.name')
          .execute(),
      ]);
    // Each column keeps its first names; the counts by step say how many there are in all.
    const shown = new Map<string, number>();
    const boardRows = board.filter((r) => {
      const k = r.step ?? '';
      shown.set(k, (shown.get(k) ?? 0) + 1);
      return shown.get(k)! <= BOARD_COLUMN;
    });
    return {
      useCases: n(useCases.n),
      models: n(models.n),
      byTier: byTier.map((r) => ({ tier: r.tier === null ? null : Number(r.tier), count: n(r.n) })),
      byStep: byStep.map((r) => ({ step: r.step, count: n(r.n) })),
      versionsByStep: versionsByStep.map((r) => ({ step: r.step, count: n(r.n) })),
      production: production.map((r) => ({
        model: r.model,
        version: Number(r.version),
        useCaseId: r.use_case_id,
        useCaseName: r.use_case_name,
        since: r.since,
      })),
      openAlerts: n(alerts.n),
      openIncidents: n(incidents.n),
      overdueReviews: n(overdue.n),
      staleApprovals: n(stale.n),
      board: boardRows.map((r) => ({
        step: r.step,
        id: r.id,
        name: r.name,
        tier: r.tier === null ? null : Number(r.tier),
        ownerTeam: r.owner_team,
      })),
    };
  },
};
