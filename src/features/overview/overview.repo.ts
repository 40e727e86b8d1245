import { sql } from 'kysely';
import { CURRENT } from '../../db/partial.ts';
import type { Executor } from '../../db/database.ts';
import { likeLiteral } from '../../db/like.ts';
import { listRead } from '../../db/prepared.ts';

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

const useCases = (db: Executor) => db.selectFrom('use_cases as uc');
/** Use cases with their current assessment (a left join: one at most). */
const assessed = (db: Executor) =>
  useCases(db).leftJoin('assessments as a', (j) =>
    j.onRef('a.use_case_id', '=', 'uc.id').on('a.current', '=', CURRENT),
  );
type Assessed = ReturnType<typeof assessed>;
/** With their live models. */
const withModels = (q: Assessed) =>
  q.leftJoin('models as m', (j) => j.onRef('m.use_case_id', '=', 'uc.id').on('m.deleted_at', 'is', null));
const steps = (q: ReturnType<typeof withModels>) =>
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
 * assessment, on the step the lifecycle states). The assessment comes before the models, so a
 * condition on the tier is judged once a use case, not once a model.
 */
function joined(db: Executor, take: { assessment: boolean; steps: boolean }): Full {
  const base = take.assessment ? assessed(db) : (useCases(db) as unknown as Assessed);
  const q = withModels(base);
  return take.steps ? steps(q) : (q as unknown as Full);
}

/**
 * How many rows a filter selects: in all, and for the tier sort by tier (0: not assessed), which
 * places each tier's rows in the listing without sorting them.
 */
export interface OverviewTally {
  total: number;
  tiers?: { tier: number; n: number }[];
  /** The rows with a model (the others are use cases without one), where counted. */
  withModels?: number;
}

const tierExpr = sql<number | null>`coalesce(a.override_tier, a.tier)`;
const tierOrZero = sql<number>`coalesce(a.override_tier, a.tier, 0)`;

/**
 * A text search's matches, where an index found them: the use cases whose names match, and the
 * live models whose text matches with their use cases. Rows are then read from those use cases
 * only, instead of walking every row to test its text.
 */
interface Matches {
  useCases: string[];
  models: { id: string; use_case_id: string }[];
}

/** A filter with its search's matches, where they were found. */
type Narrowed = OverviewFilter & { matches?: Matches };

/** Above this many matches (or candidates), a search walks the rows instead: it selects most of them. */
const MATCHES_MAX = 500;

/**
 * The matches of `text` through the trigram indexes of the models' text and the use cases' names
 * (SQLite, migrations `0032_model_search` and `0033_use_case_search`): the candidates are checked
 * against each model's current text and each use case's current name, as the walk would check them.
 * Undefined where the indexes cannot narrow: fewer than three characters, or too many candidates.
 */
async function matchesOf(db: Executor, text: string): Promise<Matches | undefined> {
  if (text.length < 3) return undefined;
  const pattern = likeLiteral(text);
  // Unescaped, `%` and `_` in the text are wildcards here: more candidates, never fewer.
  const trigrams = `%${text.toLowerCase()}%`;
  const [named, candidates] = await Promise.all([
    sql<{
      use_case_id: string;
    }>`select distinct use_case_id from use_cases_search where name like ${trigrams} limit ${MATCHES_MAX + 1}`.execute(
      db,
    ),
    sql<{
      model_id: string;
    }>`select distinct model_id from models_search where search_text like ${trigrams} limit ${MATCHES_MAX + 1}`.execute(
      db,
    ),
  ]);
  if (named.rows.length > MATCHES_MAX || candidates.rows.length > MATCHES_MAX) return undefined;
  const useCases =
    named.rows.length === 0
      ? []
      : await db
          .selectFrom('use_cases')
          .select('id')
          .where(
            'id',
            'in',
            named.rows.map((c) => c.use_case_id),
          )
          .where(sql<boolean>`lower(name) like ${pattern} escape '\\'`)
          .execute();
  const models =
    candidates.rows.length === 0
      ? []
      : await db
          .selectFrom('models as m')
          .select(['m.id', 'm.use_case_id'])
          .where(
            'm.id',
            'in',
            candidates.rows.map((c) => c.model_id),
          )
          .where('m.deleted_at', 'is', null)
          .where(sql<boolean>`m.search_text like ${pattern} escape '\\'`)
          .execute();
  return { useCases: useCases.map((r) => r.id), models };
}

/** The overview's rows a filter selects (its narrowest join: the sort joins nothing here). */
function filtered(db: Executor, f: Narrowed, take: { assessment?: boolean } = {}) {
  const assessment =
    take.assessment === true || f.tier !== undefined || f.euAiAct !== undefined || f.attention === true;
  let q = joined(db, { assessment, steps: f.step !== undefined });
  if (f.q && f.matches) {
    const { useCases, models } = f.matches;
    const modelIds = models.map((m) => m.id);
    if (useCases.length === 0)
      // No use case matched by name: the matched models alone, found by id (a use case of 10,000
      // models holding a few matches is not walked).
      q = modelIds.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('m.id', 'in', modelIds);
    else {
      // Only the use cases matched or holding a matched model, then their rows that match.
      const reached = [...new Set([...useCases, ...models.map((m) => m.use_case_id)])];
      q = q
        .where('uc.id', 'in', reached)
        .where((eb) =>
          eb.or([eb('uc.id', 'in', useCases), ...(modelIds.length > 0 ? [eb('m.id', 'in', modelIds)] : [])]),
        );
    }
  } else if (f.q) {
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
  return q;
}

// What a page's rows show besides their columns, prepared once (a page reads them every time).
const productionIn = listRead((db, modelIds) =>
  db
    .selectFrom('deployments as d')
    .innerJoin('model_versions as v', 'v.id', 'd.model_version_id')
    .select(['d.model_id', 'v.version'])
    .where('d.model_id', 'in', modelIds)
    .where('d.environment', '=', 'production')
    .where('d.until', 'is', null)
    .orderBy('d.since', 'desc'),
);
const promotionsIn = listRead((db, versionIds) =>
  db
    .selectFrom('promotions')
    .select(['model_version_id', 'status', 'environment', 'requested_at'])
    .where('model_version_id', 'in', versionIds)
    .orderBy('requested_at', 'desc'),
);
const alertsIn = listRead((db, modelIds) =>
  db
    .selectFrom('alerts as al')
    .innerJoin('model_versions as v', 'v.id', 'al.model_version_id')
    .select((eb) => ['v.model_id', eb.fn.countAll<number | string>().as('n')])
    .where('v.model_id', 'in', modelIds)
    .where('al.state', '!=', 'resolved')
    .groupBy('v.model_id'),
);

// A page's rows: its use cases with their assessment and step, its models with their latest version's step.
const pageUseCases = listRead((db, ids) =>
  assessed(db)
    .leftJoin('use_case_states as us', 'us.use_case_id', 'uc.id')
    .select([
      'uc.id as use_case_id',
      'uc.name as use_case_name',
      'uc.owner_team as owner_team',
      tierExpr.as('tier'),
      'a.eu_ai_act as eu_ai_act',
      'a.review_by as review_by',
      'us.step as use_case_step',
      'uc.updated_at as updated_at',
    ])
    .where('uc.id', 'in', ids),
);
const pageModels = listRead((db, ids) =>
  db
    .selectFrom('models as m')
    .leftJoin('model_versions as mv', (j) =>
      j.onRef('mv.model_id', '=', 'm.id').onRef('mv.version', '=', 'm.last_version'),
    )
    .leftJoin('lifecycle_states as ls', 'ls.model_version_id', 'mv.id')
    .select([
      'm.id as model_id',
      'm.use_case_id as use_case_id',
      'm.name as model_name',
      'm.last_version as latest_version',
      'mv.id as latest_version_id',
      'ls.step as version_step',
      'm.updated_at as updated_at',
    ])
    .where('m.id', 'in', ids)
    .where('m.deleted_at', 'is', null),
);

/** The inventory overview: one row per model, and one per use case that has no model yet. */
export const overviewRepo = {
  /** How many rows the filter selects; by tier as well when the page is sorted by tier. */
  async tally(db: Executor, f: Narrowed): Promise<OverviewTally> {
    if (f.sort !== 'tier') {
      const counted = await filtered(db, f)
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.count<number | string>('m.id').as('models')])
        .executeTakeFirstOrThrow();
      return { total: Number(counted.n), withModels: Number(counted.models) };
    }
    const rows = await filtered(db, f, { assessment: true })
      .select((eb) => [tierOrZero.as('tier'), eb.fn.countAll<number | string>().as('n')])
      .groupBy(tierOrZero)
      .execute();
    const tiers = rows.map((r) => ({ tier: Number(r.tier), n: Number(r.n) })).sort((x, y) => x.tier - y.tier);
    return { total: tiers.reduce((n, t) => n + t.n, 0), tiers };
  },

  /**
   * One page of the overview, in two steps. The page is chosen over the narrowest join its filter
   * and sort need (use cases and models, with assessments or lifecycle steps only when asked for),
   * which an index on (use case, name) of the live models serves in order without touching the
   * tables, so even a deep page skips its offset in the index; only the page's rows are then
   * joined with everything they show. `known` is the filter's tally when the caller has it (the
   * data unchanged since it was counted); it is counted otherwise, over the same narrow join.
   */
  async page(
    db: Executor,
    filter: OverviewFilter,
    known?: OverviewTally,
    opts: { trigram?: boolean } = {},
  ): Promise<{ rows: OverviewRow[]; total: number; tally: OverviewTally }> {
    const f: Narrowed = opts.trigram && filter.q ? { ...filter, matches: await matchesOf(db, filter.q) } : filter;
    const searched = !known && f.q && f.sort === 'name' ? await searchedKeys(db, f) : undefined;
    const tally = known ?? searched?.tally ?? (await overviewRepo.tally(db, f));
    const { total } = tally;
    const keys =
      searched?.keys ??
      (f.sort === 'tier'
        ? await tierKeys(db, f, tally)
        : f.sort === 'updated'
          ? await updatedKeys(db, f, tally)
          : await nameKeys(db, f));
    if (keys.length === 0) return { rows: [], total, tally };
    const modelIds = keys.flatMap((k) => (k.model_id ? [k.model_id] : []));
    // The page's use cases and its models, each read by id and put together here: joined in one
    // statement, every model id was tried against every use case of the page (500 lookups a page).
    const [useCaseRows, modelRows] = await Promise.all([
      pageUseCases(db, [...new Set(keys.map((k) => k.use_case_id))]),
      pageModels(db, modelIds),
    ]);
    const useCaseOf = new Map(useCaseRows.map((u) => [u.use_case_id, u]));
    const modelOf = new Map(modelRows.map((m) => [m.model_id, m]));
    const rows = keys.flatMap((k): OverviewRow[] => {
      const u = useCaseOf.get(k.use_case_id);
      if (!u) return [];
      const { updated_at: useCaseUpdated, ...useCase } = u;
      if (k.model_id === null)
        return [
          {
            ...useCase,
            model_id: null,
            model_name: null,
            latest_version: null,
            latest_version_id: null,
            version_step: null,
            updated_at: useCaseUpdated,
          },
        ];
      // A model deleted or moved since the keys were read is left out, as the join left it out.
      const m = modelOf.get(k.model_id);
      if (!m || m.use_case_id !== k.use_case_id) return [];
      const { use_case_id: _, ...model } = m;
      return [{ ...useCase, ...model }];
    });
    return { rows, total, tally };
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
      productionIn(db, modelIds),
      promotionsIn(db, versionIds),
      alertsIn(db, modelIds),
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

type Key = { use_case_id: string; model_id: string | null };

/** A use case without a model (no model name) comes before its models ascending, after them descending. */
const byNames = (dir: 'asc' | 'desc') =>
  [
    sql`uc.name ${sql.raw(dir)}`,
    sql`m.name ${sql.raw(dir === 'asc' ? 'asc nulls first' : 'desc nulls last')}`,
  ] as const;

/** The page's keys sorted by name: the index on (use case, name) of the live models gives that order. */
async function nameKeys(db: Executor, f: Narrowed): Promise<Key[]> {
  const [useCase, model] = byNames(f.order === 'desc' ? 'desc' : 'asc');
  return filtered(db, f)
    .select(['uc.id as use_case_id', 'm.id as model_id'])
    .orderBy(useCase)
    .orderBy(model)
    .limit(f.limit)
    .offset(f.offset)
    .execute();
}

/**
 * A text search's page by name, counted as it is found: a search selects few rows, which one walk
 * both counts and pages (the count and the page apart walked every row twice: 2.7 ms over 10,000
 * models, together 1.5). The count comes with the page's rows, so a page past the end (no rows) is
 * counted apart. A search matching nearly everything sorts what it matches instead (5 ms there).
 */
async function searchedKeys(db: Executor, f: Narrowed): Promise<{ keys: Key[]; tally: OverviewTally } | undefined> {
  const [useCase, model] = byNames(f.order === 'desc' ? 'desc' : 'asc');
  const rows = await filtered(db, f)
    .select((eb) => ['uc.id as use_case_id', 'm.id as model_id', eb.fn.countAll<number | string>().over().as('total')])
    .orderBy(useCase)
    .orderBy(model)
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  if (rows.length === 0) return undefined;
  return {
    keys: rows.map((r) => ({ use_case_id: r.use_case_id, model_id: r.model_id })),
    tally: { total: Number(rows[0]!.total) },
  };
}

/** Whether the filter selects every row: then no condition needs the use case of a model's row. */
const unfiltered = (f: Narrowed) => !f.q && f.tier === undefined && !f.euAiAct && !f.team && !f.step && !f.attention;

/**
 * The page's keys sorted by last update. A model's row is as recent as the model, a use case's
 * without a model as the use case: the two are read apart, each in the order of its own index (on
 * the last update, then the name), and merged (over 10,000 models, 1-4 ms by depth, where sorting
 * every row took 4-7 ms). Equal times are ordered by the row's name (the model's, or the use case's
 * without one), then use cases before models (no model id), all in the asked direction: model
 * names are unique, and so are use case names, so the order is total and reversing every term
 * reverses it exactly. The models' index holds (update, name, id) in that order, so their side needs
 * no sorting at all.
 * The merge still walks the rows before the page, so a page in the second half is read from the
 * other end, in the reverse order, and turned round. Unfiltered, the models are read without their
 * use cases (every model has one).
 */
async function updatedKeys(db: Executor, f: Narrowed, tally: OverviewTally): Promise<Key[]> {
  const { total, withModels } = tally;
  const end = Math.min(f.offset + f.limit, total);
  const flip = end > f.offset && f.offset > total - end;
  const asked = f.order === 'desc' ? 'desc' : 'asc';
  const dir = flip ? (asked === 'asc' ? 'desc' : 'asc') : asked;
  const withModel = unfiltered(f)
    ? db
        .selectFrom('models as m')
        .where('m.deleted_at', 'is', null)
        .select(['m.use_case_id as use_case_id', sql<string | null>`m.id`.as('model_id'), 'm.updated_at as u'])
    : filtered(db, f)
        .where('m.id', 'is not', null)
        .select(['uc.id as use_case_id', sql<string | null>`m.id`.as('model_id'), 'm.updated_at as u']);
  const models = withModel.select('m.name as k');
  const bare = filtered(db, f)
    .where('m.id', 'is', null)
    .select(['uc.id as use_case_id', sql<string | null>`m.id`.as('model_id'), 'uc.updated_at as u', 'uc.name as k']);
  // Where the tally says one side is empty, only the other is read: finding that a side is empty
  // walks it whole (the use cases without a model: every use case, 0.8 ms over 2,000).
  const rows = (withModels === total ? models : withModels === 0 ? bare : models.unionAll(bare)) as typeof models;
  const q = rows
    .orderBy('u', dir)
    .orderBy('k', dir)
    .orderBy(sql`model_id ${sql.raw(dir === 'asc' ? 'asc nulls first' : 'desc nulls last')}`);
  const keys = flip
    ? (
        await q
          .limit(end - f.offset)
          .offset(total - end)
          .execute()
      ).reverse()
    : await q.limit(f.limit).offset(f.offset).execute();
  return keys.map((r) => ({ use_case_id: r.use_case_id, model_id: r.model_id }));
}

/**
 * The page's keys sorted by tier, ties by name. The tally places each tier's rows, so each tier the
 * page reaches is read in name order, which the indexes give without sorting: sorting every row by
 * tier to skip the offset took 5-6 ms over 10,000 models, a tier's rows in name order 0.1-3 ms.
 */
async function tierKeys(db: Executor, f: Narrowed, tally: OverviewTally): Promise<Key[]> {
  const tiers = [...(tally.tiers ?? [])];
  // Every row in one tier (an estate assessed alike, or a filter on the tier): the page is the name
  // order's, read without judging each use case's tier (over 10,000 models, 1.6 ms against 3.4).
  if (tiers.length === 1) return nameKeys(db, { ...f, order: 'asc' });
  if (f.order === 'desc') tiers.reverse();
  const [useCase, model] = byNames('asc');
  const keys: Key[] = [];
  let start = 0;
  for (const { tier, n } of tiers) {
    const from = Math.max(f.offset, start);
    const to = Math.min(f.offset + f.limit, start + n);
    if (from < to)
      keys.push(
        ...(await filtered(db, f, { assessment: true })
          .select(['uc.id as use_case_id', 'm.id as model_id'])
          .where(tierOrZero, '=', tier)
          .orderBy(useCase)
          .orderBy(model)
          .limit(to - from)
          .offset(from - start)
          .execute()),
      );
    start += n;
  }
  return keys;
}
