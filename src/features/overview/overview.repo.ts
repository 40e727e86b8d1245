import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import { likeLiteral } from '../../db/like.ts';

export interface OverviewFilter {
  q?: string;
  tier?: number;
  euAiAct?: string;
  team?: string;
  step?: string;
  /** Only rows with an open alert or an overdue risk review. */
  attention?: boolean;
  sort: 'name' | 'tier' | 'updated';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  now: string;
}

export interface OverviewRow {
  use_case_id: string;
  use_case_name: string;
  owner_team: string;
  tier: number | null;
  eu_ai_act: string | null;
  review_by: string | null;
  use_case_step: string | null;
  model_id: string | null;
  model_name: string | null;
  latest_version: number | null;
  latest_version_id: string | null;
  version_step: string | null;
  updated_at: string;
}

/** The inventory overview: one row per model, and one per use case that has no model yet. */
export const overviewRepo = {
  async page(db: Executor, f: OverviewFilter): Promise<{ rows: OverviewRow[]; total: number }> {
    const tierExpr = sql<number | null>`coalesce(a.override_tier, a.tier)`;
    const updatedExpr = sql<string>`coalesce(m.updated_at, uc.updated_at)`;
    let q = db
      .selectFrom('use_cases as uc')
      .leftJoin('models as m', (j) => j.onRef('m.use_case_id', '=', 'uc.id').on('m.deleted_at', 'is', null))
      .leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'uc.id').on('a.current', '=', 1))
      .leftJoin('use_case_states as us', 'us.use_case_id', 'uc.id')
      .leftJoin('model_versions as mv', (j) =>
        j.onRef('mv.model_id', '=', 'm.id').onRef('mv.version', '=', 'm.last_version'),
      )
      .leftJoin('lifecycle_states as ls', 'ls.model_version_id', 'mv.id');
    if (f.q) {
      const pattern = likeLiteral(f.q);
      q = q.where(
        sql<boolean>`(lower(uc.name) like ${pattern} escape '\\' or m.search_text like ${pattern} escape '\\')`,
      );
    }
    if (f.tier !== undefined) q = q.where(tierExpr, '=', f.tier);
    if (f.euAiAct) q = q.where('a.eu_ai_act', '=', f.euAiAct);
    if (f.team) q = q.where('uc.owner_team', '=', f.team);
    if (f.step) q = q.where(sql<string | null>`coalesce(ls.step, us.step)`, '=', f.step);
    if (f.attention) {
      q = q.where((eb) =>
        eb.or([
          eb('a.review_by', '<', f.now),
          eb.exists(
            eb
              .selectFrom('alerts as al')
              .select('al.id')
              .whereRef('al.use_case_id', '=', 'uc.id')
              .where('al.state', '!=', 'resolved'),
          ),
        ]),
      );
    }
    const counted = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const dir = f.order === 'desc' ? 'desc' : 'asc';
    let rowsQ = q.select([
      'uc.id as use_case_id',
      'uc.name as use_case_name',
      'uc.owner_team as owner_team',
      tierExpr.as('tier'),
      'a.eu_ai_act as eu_ai_act',
      'a.review_by as review_by',
      'us.step as use_case_step',
      'm.id as model_id',
      'm.name as model_name',
      'm.last_version as latest_version',
      'mv.id as latest_version_id',
      'ls.step as version_step',
      updatedExpr.as('updated_at'),
    ]);
    if (f.sort === 'tier') rowsQ = rowsQ.orderBy(sql`coalesce(a.override_tier, a.tier, 0)`, dir);
    else if (f.sort === 'updated') rowsQ = rowsQ.orderBy(updatedExpr, dir);
    rowsQ = rowsQ
      .orderBy('uc.name', f.sort === 'name' ? dir : 'asc')
      .orderBy(sql`coalesce(m.name, '')`, f.sort === 'name' ? dir : 'asc')
      .orderBy('uc.id');
    const rows = await rowsQ.limit(f.limit).offset(f.offset).execute();
    return { rows: rows as OverviewRow[], total: Number(counted.n) };
  },

  /** Per model: its production version, the latest promotion of its latest version, and open alerts. */
  async details(db: Executor, modelIds: string[], versionIds: string[]) {
    if (modelIds.length === 0)
      return {
        production: new Map<string, number>(),
        promotions: new Map<string, { status: string; environment: string }>(),
        alerts: new Map<string, number>(),
      };
    const [prod, promos, alerts] = await Promise.all([
      db
        .selectFrom('deployments as d')
        .innerJoin('model_versions as v', 'v.id', 'd.model_version_id')
        .select(['d.model_id', 'v.version'])
        .where('d.model_id', 'in', modelIds)
        .where('d.environment', '=', 'production')
        .where('d.until', 'is', null)
        .orderBy('d.since', 'desc')
        .execute(),
      versionIds.length === 0
        ? Promise.resolve([])
        : db
            .selectFrom('promotions')
            .select(['model_version_id', 'status', 'environment', 'requested_at'])
            .where('model_version_id', 'in', versionIds)
            .orderBy('requested_at', 'desc')
            .execute(),
      db
        .selectFrom('alerts as al')
        .innerJoin('model_versions as v', 'v.id', 'al.model_version_id')
        .select((eb) => ['v.model_id', eb.fn.countAll<number | string>().as('n')])
        .where('v.model_id', 'in', modelIds)
        .where('al.state', '!=', 'resolved')
        .groupBy('v.model_id')
        .execute(),
    ]);
    const production = new Map<string, number>();
    for (const p of prod) if (!production.has(p.model_id)) production.set(p.model_id, p.version);
    const promotions = new Map<string, { status: string; environment: string }>();
    for (const p of promos)
      if (!promotions.has(p.model_version_id))
        promotions.set(p.model_version_id, { status: p.status, environment: p.environment });
    return { production, promotions, alerts: new Map(alerts.map((a) => [a.model_id, Number(a.n)])) };
  },
};
