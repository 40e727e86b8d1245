import { sql } from 'kysely';
import { CURRENT } from '../../db/partial.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import type { KpiAlertTable, KpiSnapshotTable } from '../../db/schema.ts';

/** A count for one team: how many of `denominator` met the condition. */
export interface TeamShare {
  team: string;
  numerator: number;
  denominator: number;
}

export interface TeamCount {
  team: string;
  count: number;
}

const n = (v: number | string | bigint | null | undefined) => Number(v ?? 0);

/**
 * The programme's read model over tables other features own and write (like the inventory overview
 * and the metrics gauges, it only reads them), plus the two tables this feature owns: the KPI
 * history and the alerts raised on missed targets.
 */
export const governanceRepo = {
  /** Versions deployed anywhere now, per owning team, and how many of them stand on a current assessment. */
  async deployedCoverage(db: Executor, now: string): Promise<TeamShare[]> {
    const rows = await db
      .selectFrom('deployments as d')
      .innerJoin('model_versions as v', 'v.id', 'd.model_version_id')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'u.id').on('a.current', '=', CURRENT))
      .where('d.until', 'is', null)
      .where('v.deleted_at', 'is', null)
      .select([
        'u.owner_team as team',
        sql<number>`count(distinct v.id)`.as('total'),
        sql<number>`count(distinct case when a.review_by >= ${now} then v.id end)`.as('covered'),
      ])
      .groupBy('u.owner_team')
      .execute();
    return rows.map((r) => ({ team: r.team, numerator: n(r.covered), denominator: n(r.total) }));
  },

  /** Versions deployed in production, per team, and how many had a monitoring window computed since `since`. */
  async monitoringCoverage(db: Executor, since: string): Promise<TeamShare[]> {
    const rows = await db
      .selectFrom('deployments as d')
      .innerJoin('model_versions as v', 'v.id', 'd.model_version_id')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .where('d.until', 'is', null)
      .where('d.environment', '=', 'production')
      .where('v.deleted_at', 'is', null)
      .select([
        'u.owner_team as team',
        sql<number>`count(distinct v.id)`.as('total'),
        sql<number>`count(distinct case when exists (select 1 from monitor_windows w where w.model_version_id = v.id and w.computed_at >= ${since}) then v.id end)`.as(
          'covered',
        ),
      ])
      .groupBy('u.owner_team')
      .execute();
    return rows.map((r) => ({ team: r.team, numerator: n(r.covered), denominator: n(r.total) }));
  },

  /** Promotions decided since `since`: when asked, when decided, the tier and team of the version's use case. */
  async decidedPromotions(
    db: Executor,
    since: string,
  ): Promise<{ requested_at: string; decided_at: string; tier: number | null; team: string }[]> {
    return db
      .selectFrom('promotions as p')
      .innerJoin('model_versions as v', 'v.id', 'p.model_version_id')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'u.id').on('a.current', '=', CURRENT))
      .where('p.decided_at', 'is not', null)
      .where('p.decided_at', '>=', since)
      .select([
        'p.requested_at',
        sql<string>`p.decided_at`.as('decided_at'),
        sql<number | null>`coalesce(a.override_tier, a.tier)`.as('tier'),
        'u.owner_team as team',
      ])
      .execute();
  },

  /** Open tasks past due, per team; `kinds` narrows to those kinds. */
  async overdueTasks(db: Executor, now: string, kinds?: string[]): Promise<TeamCount[]> {
    let q = db.selectFrom('tasks').where('status', '=', 'open').where('due_at', '<', now);
    if (kinds) q = q.where('kind', 'in', kinds);
    const rows = await q
      .select(['team', (eb) => eb.fn.countAll<number>().as('c')])
      .groupBy('team')
      .execute();
    return rows.map((r) => ({ team: r.team, count: n(r.c) }));
  },

  /** Open re-review tasks (approvals whose evidence changed), per team. */
  async staleApprovals(db: Executor): Promise<TeamCount[]> {
    const rows = await db
      .selectFrom('tasks')
      .where('status', '=', 'open')
      .where('kind', '=', 're-review')
      .select(['team', (eb) => eb.fn.countAll<number>().as('c')])
      .groupBy('team')
      .execute();
    return rows.map((r) => ({ team: r.team, count: n(r.c) }));
  },

  /** Use cases whose current assessment is past its review date, per team. */
  async overdueAssessments(db: Executor, now: string): Promise<TeamCount[]> {
    const rows = await db
      .selectFrom('assessments as a')
      .innerJoin('use_cases as u', 'u.id', 'a.use_case_id')
      .where('a.current', '=', CURRENT)
      .where('a.review_by', '<', now)
      .select(['u.owner_team as team', (eb) => eb.fn.countAll<number>().as('c')])
      .groupBy('u.owner_team')
      .execute();
    return rows.map((r) => ({ team: r.team, count: n(r.c) }));
  },

  /** Incidents with an Art. 73 reporting deadline, or reported or closed since `since`, with their team. */
  async incidents(
    db: Executor,
    since: string,
  ): Promise<
    {
      team: string;
      aware_at: string;
      report_due_at: string | null;
      reported_at: string | null;
      opened_at: string;
      closed_at: string | null;
    }[]
  > {
    return db
      .selectFrom('incidents as i')
      .innerJoin('use_cases as u', 'u.id', 'i.use_case_id')
      .where((eb) =>
        eb.or([
          eb('i.report_due_at', 'is not', null),
          eb('i.reported_at', '>=', since),
          eb('i.closed_at', '>=', since),
        ]),
      )
      .select(['u.owner_team as team', 'i.aware_at', 'i.report_due_at', 'i.reported_at', 'i.opened_at', 'i.closed_at'])
      .execute();
  },

  /**
   * Live versions in a governed process whose use case has a current assessment: what the
   * requirement statuses are computed for, a page at a time in id order.
   */
  async governedVersions(
    db: Executor,
    after: string | null,
    limit: number,
  ): Promise<{ id: string; model: string; version: number; team: string; tier: number; created_by: string | null }[]> {
    let q = db
      .selectFrom('model_versions as v')
      .innerJoin('lifecycle_states as s', 's.model_version_id', 'v.id')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .innerJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'u.id').on('a.current', '=', CURRENT))
      .where('v.deleted_at', 'is', null)
      .where('m.deleted_at', 'is', null);
    if (after) q = q.where('v.id', '>', after);
    const rows = await q
      .select([
        'v.id',
        'm.name as model',
        'v.version',
        'u.owner_team as team',
        sql<number>`coalesce(a.override_tier, a.tier)`.as('tier'),
        'v.created_by',
      ])
      .orderBy('v.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, tier: n(r.tier) }));
  },

  /** How many versions the requirement pass would compute. */
  async governedCount(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('model_versions as v')
      .innerJoin('lifecycle_states as s', 's.model_version_id', 'v.id')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('assessments as a', (j) =>
        j.onRef('a.use_case_id', '=', 'm.use_case_id').on('a.current', '=', CURRENT),
      )
      .where('v.deleted_at', 'is', null)
      .where('m.deleted_at', 'is', null)
      .select((eb) => eb.fn.countAll<number>().as('c'))
      .executeTakeFirst();
    return n(row?.c);
  },

  /** Tasks closed as done since `since`: who closed them, their team, and whether by their due date. */
  async closedTasks(
    db: Executor,
    since: string,
  ): Promise<{ team: string; closed_by: string | null; on_time: number; total: number }[]> {
    const rows = await db
      .selectFrom('tasks')
      .where('status', '=', 'done')
      .where('closed_at', '>=', since)
      .select([
        'team',
        'closed_by',
        sql<number>`sum(case when closed_at <= due_at then 1 else 0 end)`.as('on_time'),
        (eb) => eb.fn.countAll<number>().as('total'),
      ])
      .groupBy(['team', 'closed_by'])
      .execute();
    return rows.map((r) => ({ team: r.team, closed_by: r.closed_by, on_time: n(r.on_time), total: n(r.total) }));
  },

  /** Findings not closed: their team, severity and when raised. */
  async openFindings(db: Executor): Promise<{ team: string; severity: string; raised_at: string }[]> {
    return db
      .selectFrom('findings')
      .where('status', '!=', 'closed')
      .select(['team', 'severity', 'raised_at'])
      .execute();
  },

  /** Findings closed since `since`, per team and owner, and how many by their due date. */
  async closedFindings(
    db: Executor,
    since: string,
  ): Promise<{ team: string; owner_id: string; on_time: number; total: number }[]> {
    const rows = await db
      .selectFrom('findings')
      .where('status', '=', 'closed')
      .where('closed_at', '>=', since)
      .select([
        'team',
        'owner_id',
        // due_date is a day: closed on it is on time.
        sql<number>`sum(case when substr(closed_at, 1, 10) <= due_date then 1 else 0 end)`.as('on_time'),
        (eb) => eb.fn.countAll<number>().as('total'),
      ])
      .groupBy(['team', 'owner_id'])
      .execute();
    return rows.map((r) => ({ team: r.team, owner_id: r.owner_id, on_time: n(r.on_time), total: n(r.total) }));
  },

  /** Discovery findings not yet adopted or dismissed, by source. */
  async untriagedDiscoveries(db: Executor): Promise<{ source: string; count: number }[]> {
    const rows = await db
      .selectFrom('discovery_findings')
      .where('status', '=', 'open')
      .select(['source', (eb) => eb.fn.countAll<number>().as('c')])
      .groupBy('source')
      .execute();
    return rows.map((r) => ({ source: r.source, count: n(r.c) }));
  },

  /** Role assignments of active users: who holds which role in which team ('*': everywhere). */
  async roleHolders(db: Executor): Promise<{ user_id: string; scope: string; role: string }[]> {
    return db
      .selectFrom('role_assignments as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .where('u.status', '=', 'active')
      .select(['r.user_id', 'r.scope', 'r.role'])
      .execute();
  },

  /** Each person's latest completion day of each training. */
  async latestCompletions(db: Executor): Promise<{ user_id: string; training_id: string; completed_on: string }[]> {
    const rows = await db
      .selectFrom('training_completions')
      .select(['user_id', 'training_id', (eb) => eb.fn.max('completed_on').as('completed_on')])
      .groupBy(['user_id', 'training_id'])
      .execute();
    return rows.map((r) => ({ user_id: r.user_id, training_id: r.training_id, completed_on: String(r.completed_on) }));
  },

  /** Display names of users. */
  async userNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  },

  /** A plain count of use cases, models and versions: the benchmark's baseline. */
  async inventoryCount(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('model_versions')
      .where('deleted_at', 'is', null)
      .select((eb) => eb.fn.countAll<number>().as('c'))
      .executeTakeFirst();
    return n(row?.c);
  },

  // --- the feature's own tables ---

  /** Writes a day's snapshot rows; `replace` overwrites the day's existing values (an on-demand snapshot). */
  async writeSnapshot(tx: Tx, rows: KpiSnapshotTable[], replace: boolean): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await tx
        .insertInto('governance_kpi_snapshots')
        .values(chunk)
        .onConflict((oc) =>
          replace
            ? oc.columns(['day', 'kpi', 'team']).doUpdateSet((eb) => ({
                value: eb.ref('excluded.value'),
                numerator: eb.ref('excluded.numerator'),
                denominator: eb.ref('excluded.denominator'),
                detail: eb.ref('excluded.detail'),
                taken_at: eb.ref('excluded.taken_at'),
              }))
            : oc.columns(['day', 'kpi', 'team']).doNothing(),
        )
        .execute();
    }
  },

  async hasSnapshot(db: Executor, day: string): Promise<boolean> {
    const row = await db
      .selectFrom('governance_kpi_snapshots')
      .select('day')
      .where('day', '=', day)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Snapshot rows between two days (inclusive), oldest first; `team` narrows to one team ('*': the organisation). */
  async history(db: Executor, from: string, to: string, team?: string, kpi?: string): Promise<KpiSnapshotTable[]> {
    let q = db.selectFrom('governance_kpi_snapshots').selectAll().where('day', '>=', from).where('day', '<=', to);
    if (team !== undefined) q = q.where('team', '=', team);
    if (kpi !== undefined) q = q.where('kpi', '=', kpi);
    return q.orderBy('day').orderBy('kpi').orderBy('team').execute();
  },

  /** The latest day with a computed snapshot, if any (imported history never stands in for one). */
  async latestDay(db: Executor): Promise<string | null> {
    const row = await db
      .selectFrom('governance_kpi_snapshots')
      .select((eb) => eb.fn.max('day').as('day'))
      .where('source', '=', 'computed')
      .executeTakeFirst();
    return (row?.day as string | null | undefined) ?? null;
  },

  /** The first day Steward computed a snapshot, if any: imported history must precede it. */
  async firstComputedDay(db: Executor): Promise<string | null> {
    const row = await db
      .selectFrom('governance_kpi_snapshots')
      .select((eb) => eb.fn.min('day').as('day'))
      .where('source', '=', 'computed')
      .executeTakeFirst();
    return (row?.day as string | null | undefined) ?? null;
  },

  /** Which of the given (day, kpi, team) keys already hold a value. */
  async existingKeys(db: Executor, days: string[]): Promise<Set<string>> {
    if (days.length === 0) return new Set();
    const rows = await db
      .selectFrom('governance_kpi_snapshots')
      .select(['day', 'kpi', 'team'])
      .where('day', 'in', days)
      .execute();
    return new Set(rows.map((r) => `${r.day} ${r.kpi} ${r.team}`));
  },

  async openAlerts(db: Executor): Promise<KpiAlertTable[]> {
    return db
      .selectFrom('governance_kpi_alerts')
      .selectAll()
      .where('state', '=', 'open')
      .orderBy('opened_at')
      .orderBy('id')
      .execute();
  },

  async alerts(db: Executor, limit: number): Promise<KpiAlertTable[]> {
    return db
      .selectFrom('governance_kpi_alerts')
      .selectAll()
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },

  /** Opens an alert unless one is open for the KPI; true when this call opened it. */
  async openAlert(tx: Tx, row: KpiAlertTable): Promise<boolean> {
    const done = await tx
      .insertInto('governance_kpi_alerts')
      .values(row)
      .onConflict((oc) => oc.column('open_key').doNothing())
      .executeTakeFirst();
    return n(done.numInsertedOrUpdatedRows) > 0;
  },

  async resolveAlert(tx: Tx, id: string, at: string): Promise<void> {
    await tx
      .updateTable('governance_kpi_alerts')
      .set({ state: 'resolved', resolved_at: at, open_key: null })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .execute();
  },
};

export type GovernanceRepo = typeof governanceRepo;

/** The regulatory change watch's reads and its one table. */
export const watchRepo = {
  /** Current assessments under a pack, a page at a time: the use case, its team, answers and tags. */
  async assessed(
    db: Executor,
    packId: string,
    after: string | null,
    limit: number,
  ): Promise<{ use_case_id: string; name: string; team: string; answers: string; tags: string }[]> {
    let q = db
      .selectFrom('assessments as a')
      .innerJoin('use_cases as u', 'u.id', 'a.use_case_id')
      .where('a.current', '=', CURRENT)
      .where('a.pack_id', '=', packId);
    if (after) q = q.where('a.use_case_id', '>', after);
    return q
      .select(['a.use_case_id', 'u.name', 'u.owner_team as team', 'a.answers', 'a.tags'])
      .orderBy('a.use_case_id')
      .limit(limit)
      .execute();
  },

  /** Starts the pack's watch at `day` unless it has one, then locks it and returns how far it got. */
  async claim(tx: Tx, packId: string, day: string, at: string): Promise<string> {
    await tx
      .insertInto('regulatory_watch')
      .values({ pack_id: packId, through_day: day, updated_at: at })
      .onConflict((oc) => oc.column('pack_id').doNothing())
      .execute();
    await lockRows(tx, 'regulatory_watch', 'through_day').where('pack_id', '=', packId).execute();
    const row = await tx
      .selectFrom('regulatory_watch')
      .select('through_day')
      .where('pack_id', '=', packId)
      .executeTakeFirstOrThrow();
    return row.through_day;
  },

  async advance(tx: Tx, packId: string, day: string, at: string): Promise<void> {
    await tx
      .updateTable('regulatory_watch')
      .set({ through_day: day, updated_at: at })
      .where('pack_id', '=', packId)
      .execute();
  },

  async through(db: Executor, packId: string): Promise<string | null> {
    const row = await db
      .selectFrom('regulatory_watch')
      .select('through_day')
      .where('pack_id', '=', packId)
      .executeTakeFirst();
    return row?.through_day ?? null;
  },
};
