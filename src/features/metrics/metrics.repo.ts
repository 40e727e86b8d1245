import { sql } from 'kysely';
import { CURRENT } from '../../db/partial.ts';
import type { Executor } from '../../db/database.ts';

/** One labelled count of a governance gauge. */
export interface LabelledCount {
  labels: Record<string, string>;
  count: number;
}

/**
 * The governance gauges' read model: counts over tables other features own and write, read at
 * scrape time (like the inventory overview, it only reads).
 */
export const metricsRepo = {
  /** Live model versions by their use case's current tier (`none` before an assessment) and process step. */
  async versionsByTierAndStep(db: Executor): Promise<LabelledCount[]> {
    const rows = await db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'm.use_case_id').on('a.current', '=', CURRENT))
      .leftJoin('lifecycle_states as s', 's.model_version_id', 'v.id')
      .where('v.deleted_at', 'is', null)
      .select([
        sql<number | null>`coalesce(a.override_tier, a.tier)`.as('tier'),
        's.step',
        (eb) => eb.fn.countAll<number | string>().as('n'),
      ])
      .groupBy([sql`coalesce(a.override_tier, a.tier)`, 's.step'])
      .execute();
    return rows.map((r) => ({
      labels: { tier: r.tier === null ? 'none' : String(r.tier), step: r.step ?? 'ungoverned' },
      count: Number(r.n),
    }));
  },

  /** Alerts not yet resolved, by severity. */
  async openAlertsBySeverity(db: Executor): Promise<LabelledCount[]> {
    const rows = await db
      .selectFrom('alerts')
      .where('state', '!=', 'resolved')
      .select(['severity', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('severity')
      .execute();
    return rows.map((r) => ({ labels: { severity: r.severity }, count: Number(r.n) }));
  },

  /** Open tasks past their due time, by kind. */
  async overdueTasks(db: Executor, now: string): Promise<LabelledCount[]> {
    const rows = await db
      .selectFrom('tasks')
      .where('status', '=', 'open')
      .where('due_at', '<', now)
      .select(['kind', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('kind')
      .execute();
    return rows.map((r) => ({ labels: { kind: r.kind }, count: Number(r.n) }));
  },

  /** Approvals gone stale: open re-review tasks (evidence changed after a signature). */
  async staleApprovals(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('tasks')
      .where('status', '=', 'open')
      .where('kind', '=', 're-review')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },

  /** Versions registered through the MLflow protocol whose registration checks have not run yet. */
  async pendingRegistrations(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('model_versions')
      .where('status', '=', 'pending')
      .where('deleted_at', 'is', null)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },
};
