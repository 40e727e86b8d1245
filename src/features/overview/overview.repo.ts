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

/** Use cases with their live models (`only` those models, when given: a page's). */
const useCasesAndModels = (db: Executor, only?: string[]) =>
  db.selectFrom('use_cases as uc').leftJoin('models as m', (j) => {
    if (!only) return j.onRef('m.use_case_id', '=', 'uc.id').on('m.deleted_at', 'is', null);
    if (only.length === 0) return j.on(sql<boolean>`1 = 0`);
    // A page's models are found by their ids. Compared as an expression, the use case column offers
    // the planners no index: through it SQLite read every model of the use case (10,000 in one
    // use case took 4 ms, by id 0.3 ms).
    return j
      .on('m.id', 'in', only)
      .on(sql`m.use_case_id || ''`, '=', sql.ref('uc.id'))
      .on('m.deleted_at', 'is', null);
  });
const assessment = (q: ReturnType<typeof useCasesAndModels>) =>
  q.leftJoin('assessments as a', (j) => j.onRef('a.use_case_id', '=', 'uc.id').on('a.current', '=', 1));
type WithAssessment = ReturnType<typeof assessment>;
const steps = (q: WithAssessment) =>
  q
    .leftJoin('use_case_states as us', 'us.use_case_id', 'uc.id')
    .leftJoin('model_versions as mv', (j) =>
      j.onRef('mv.model_id', '=', 'm.id').onRef('mv.version', '=', 'm.last_version'),
    )
    .leftJoin('lifecycle_states as ls', 'ls.model_version_id', 'mv.id');
type Full = ReturnType<typeof steps>;

/**
 * The overview's join: use cases with their live models, and what else is asked for. Typed as the
 * full join; callers refer to a table only when they asked for it (a filter on the tier takes the
 * assessment, on the step the lifecycle states).
 */
function joined(db: Executor, take: { assessment: boolean; steps: boolean; only?: string[] }): Full {
  const base = useCasesAndModels(db, take.only);
  const a = take.assessment ? assessment(base) : (base as unknown as WithAssessment);
  return take.steps ? steps(a) : (a as unknown as Full);
}

/** The inventory overview: one row per model, and one per use case that has no model yet. */
export const overviewRepo = {
  /**
   * One page of the overview, in two steps. The page is chosen over the narrowest join its filter
   * and sort need (use cases and models, with assessments or lifecycle steps only when asked for),
   * which an index on (use case, name) of the live models serves in order without touching the
   * tables, so even a deep page skips its offset in the index; only the page's rows are then
   * joined with everything they show. The count uses the same narrow join.
   */
  async page(db: Executor, f: OverviewFilter): Promise<{ rows: OverviewRow[]; total: number }> {
    const tierExpr = sql<number | null>`coalesce(a.override_tier, a.tier)`;
    const updatedExpr = sql<string>`coalesce(m.updated_at, uc.updated_at)`;
    const withAssessment = f.sort === 'tier' || f.tier !== undefined || f.euAiAct !== undefined || f.attention === true;
    const withSteps = f.step !== undefined;
    let q = joined(db, { assessment: withAssessment, steps: withSteps });
    if (f.q) {
      const pattern = likeLiteral(f.q);
      // The use cases whose names match are found once, not once per model row joined to them.
      q = q.where(
        sql<boolean>`(uc.id in (select id from use_cases where lower(name) like ${pattern} escape '\\') or m.search_text like ${pattern} escape '\\')`,
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
    const total = Number(counted.n);
    // Sorted by last update, a page in the second half is read from the other end, in the reverse
    // order, and turned round: no index serves that sort, and the database keeps offset + limit
    // rows while it scans, so a deep page kept 9,050 of 10,000 (10-14 ms) where its mirror keeps
    // 1,000 (1.6-2.6 ms). Not by tier: its few values tie, the names then decide, and the rows
    // arrive in name order, which the mirror's reversed names make every row displace another
    // (3.5 ms became 9).
    const end = Math.min(f.offset + f.limit, total);
    const flip = f.sort === 'updated' && end > f.offset && f.offset > total - end;
    const asked = f.order === 'desc' ? 'desc' : 'asc';
    const dir = flip ? (asked === 'asc' ? 'desc' : 'asc') : asked;
    let keysQ = q.select(['uc.id as use_case_id', 'm.id as model_id']);
    if (f.sort === 'tier') keysQ = keysQ.orderBy(sql`coalesce(a.override_tier, a.tier, 0)`, dir);
    else if (f.sort === 'updated') keysQ = keysQ.orderBy(updatedExpr, dir);
    // A use case without a model (no model name) comes before its models ascending, after them
    // descending; names are unique, so use case and model name order every row (and reversing
    // every term reverses the order exactly).
    const nameDir = f.sort === 'name' ? dir : flip ? 'desc' : 'asc';
    keysQ = keysQ
      .orderBy('uc.name', nameDir)
      .orderBy(sql`m.name ${sql.raw(nameDir === 'asc' ? 'asc nulls first' : 'desc nulls last')}`);
    const keys = flip
      ? (
          await keysQ
            .limit(end - f.offset)
            .offset(total - end)
            .execute()
        ).reverse()
      : await keysQ.limit(f.limit).offset(f.offset).execute();
    if (keys.length === 0) return { rows: [], total };
    const modelIds = keys.flatMap((k) => (k.model_id ? [k.model_id] : []));
    // The page's use cases with only the page's models: a use case without any comes once, as before.
    const found = await joined(db, { assessment: true, steps: true, only: modelIds })
      .select([
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
      ])
      .where('uc.id', 'in', [...new Set(keys.map((k) => k.use_case_id))])
      .execute();
    const byKey = new Map(found.map((r) => [`${r.use_case_id}/${r.model_id ?? ''}`, r as OverviewRow]));
    const rows = keys.flatMap((k) => byKey.get(`${k.use_case_id}/${k.model_id ?? ''}`) ?? []);
    return { rows, total };
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
