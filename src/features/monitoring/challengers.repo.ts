import { sql } from 'kysely';
import { chunks, grouped, keyed } from '../../db/chunks.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { listRead } from '../../db/prepared.ts';
import type { MonitorChallengerTable, MonitorWindowTable } from '../../db/schema.ts';

/** What a version's monitoring evidence is made of (see `evidenceInputs`). */
export interface EvidenceInputs {
  windowMs: number | null;
  drift: MonitorWindowTable | undefined;
  performance: MonitorWindowTable | undefined;
  comparison: MonitorWindowTable | undefined;
  compared: MonitorWindowTable | undefined;
  lastPredictionMs: number | null;
  kpis: { name: string; lastMs: number | null }[];
}

// The pairings a page of versions' monitoring evidence needs, prepared once.
const challengersIn = listRead((db, ids) =>
  db.selectFrom('monitor_challengers').selectAll().where('champion_version_id', 'in', ids),
);
const championsIn = listRead((db, ids) =>
  db
    .selectFrom('monitor_challengers')
    .select(['champion_version_id', 'challenger_version_id'])
    .where('challenger_version_id', 'in', ids),
);

/** The newest window start of a version among those matching `cond` (none: any window). */
const newest = (alias: string, cond: string) =>
  sql<number | null>`(select w.window_start_ms from monitor_windows w where w.model_version_id = v.id${sql.raw(
    cond,
  )} order by w.window_start_ms desc limit 1)`.as(alias);
// Each version's newest windows by family, last prediction and use case's KPIs, prepared once.
const headsIn = listRead((db, ids) =>
  db
    .selectFrom('model_versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
    .select([
      'v.id',
      'u.id as use_case_id',
      'u.kpis',
      newest('any_start', ''),
      newest('drift_start', ' and w.drift is not null'),
      newest('performance_start', ' and w.performance is not null and w.labelled > 0'),
      newest('comparison_start', ' and w.comparison is not null'),
      newest('compared_start', ' and w.joint_labelled > 0'),
      sql<number | null>`(select max(p.ts_ms) from predictions p where p.model_version_id = v.id)`.as('last'),
    ])
    .where('v.id', 'in', ids),
);

/** A champion record joined with the challenger's prediction on the same record id. */
export interface JointRow {
  record_id: string;
  ts_ms: number;
  label: string | null;
  prediction: string | null;
  score: number | null;
  challenger_prediction: string | null;
  challenger_score: number | null;
  challenger_label: string | null;
}

/**
 * The champion/challenger pairing (`monitor_challengers`, written here only) and the reads that
 * make monitoring evidence: joint records, the latest window of each computed family.
 */
export const challengersRepo = {
  /** Records (or clears, with null) the challenger of a champion's current monitor. */
  async setChallenger(tx: Tx, championId: string, challengerId: string | null, configId: string): Promise<void> {
    await tx.deleteFrom('monitor_challengers').where('champion_version_id', '=', championId).execute();
    if (challengerId)
      await tx
        .insertInto('monitor_challengers')
        .values({ champion_version_id: championId, challenger_version_id: challengerId, config_id: configId })
        .execute();
  },

  async challengerOf(db: Executor, championId: string): Promise<MonitorChallengerTable | undefined> {
    return (await challengersRepo.challengersOf(db, [championId])).get(championId);
  },

  /** The challenger pairing of each of `championIds` that has one. */
  async challengersOf(db: Executor, championIds: string[]): Promise<Map<string, MonitorChallengerTable>> {
    return keyed(
      championIds,
      (ids) => challengersIn(db, ids),
      (r) => r.champion_version_id,
    );
  },

  /** For each of `challengerIds` named by a champion's current monitor, those champions. */
  async championsOfMany(db: Executor, challengerIds: string[]): Promise<Map<string, string[]>> {
    const rows = await grouped(
      challengerIds,
      (ids) => championsIn(db, ids),
      (r) => r.challenger_version_id,
    );
    return new Map([...rows].map(([id, rs]) => [id, rs.map((r) => r.champion_version_id)]));
  },

  /** The champions whose current monitor names this version as their challenger. */
  async championsOf(db: Executor, challengerId: string): Promise<string[]> {
    return (await challengersRepo.championsOfMany(db, [challengerId])).get(challengerId) ?? [];
  },

  async hasPredictions(db: Executor, versionId: string): Promise<boolean> {
    const r = await db
      .selectFrom('predictions')
      .select('record_id')
      .where('model_version_id', '=', versionId)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  },

  /** One page of a champion window's records that the challenger also logged, in (time, id) order. */
  async jointPage(
    db: Executor,
    championId: string,
    challengerId: string,
    fromMs: number,
    toMs: number,
    after: { ts: number; id: string } | null,
    limit: number,
  ): Promise<JointRow[]> {
    let q = db
      .selectFrom('predictions as c')
      .innerJoin('predictions as x', (j) =>
        j.onRef('x.record_id', '=', 'c.record_id').on('x.model_version_id', '=', challengerId),
      )
      .select([
        'c.record_id',
        'c.ts_ms',
        'c.label',
        'c.prediction',
        'c.score',
        'x.prediction as challenger_prediction',
        'x.score as challenger_score',
        'x.label as challenger_label',
      ])
      .where('c.model_version_id', '=', championId)
      .where('c.ts_ms', '>=', fromMs)
      .where('c.ts_ms', '<', toMs);
    if (after)
      q = q.where((eb) =>
        eb.or([eb('c.ts_ms', '>', after.ts), eb.and([eb('c.ts_ms', '=', after.ts), eb('c.record_id', '>', after.id)])]),
      );
    return (await q.orderBy('c.ts_ms').orderBy('c.record_id').limit(limit).execute()).map((r) => ({
      ...r,
      ts_ms: Number(r.ts_ms),
    }));
  },

  /** The champion's windows holding any of these record ids (a challenger's new records re-open them). */
  async windowsOfRecords(db: Executor, championId: string, recordIds: string[]): Promise<number[]> {
    if (recordIds.length === 0) return [];
    return (
      await db
        .selectFrom('predictions')
        .select('ts_ms')
        .where('model_version_id', '=', championId)
        .where('record_id', 'in', recordIds)
        .execute()
    ).map((r) => Number(r.ts_ms));
  },

  /**
   * What monitoring evidence is made of, for each of `versionIds` (absent: no such version): its
   * newest window of each computed family (drift, labelled performance, comparison), its newest
   * prediction timestamp, the window length, and its use case's KPI definitions with each KPI's
   * newest value. A fixed number of statements for any number of versions (the inventory asks for
   * a page at once); each newest window is found through the primary key, not by scanning.
   */
  async evidenceInputs(db: Executor, versionIds: string[]): Promise<Map<string, EvidenceInputs>> {
    const out = new Map<string, EvidenceInputs>();
    for (const ids of chunks([...new Set(versionIds)], 200)) {
      const heads = await headsIn(db, ids);
      const starts = [
        ...new Set(
          heads.flatMap((h) =>
            [h.any_start, h.drift_start, h.performance_start, h.comparison_start, h.compared_start].flatMap((x) =>
              x === null ? [] : [Number(x)],
            ),
          ),
        ),
      ];
      const windows = new Map<string, MonitorWindowTable>();
      const withWindows = heads.filter((h) => h.any_start !== null).map((h) => h.id);
      if (withWindows.length > 0)
        for (const w of await db
          .selectFrom('monitor_windows')
          .selectAll()
          .where('model_version_id', 'in', withWindows)
          .where('window_start_ms', 'in', starts)
          .execute())
          windows.set(`${w.model_version_id}/${Number(w.window_start_ms)}`, w);
      const kpiNames = new Map(
        heads.map((h) => [h.use_case_id, (JSON.parse(h.kpis) as { name: string }[]).map((k) => k.name)]),
      );
      const asked = [...kpiNames].filter(([, names]) => names.length > 0);
      const kpiLast = new Map<string, number>();
      if (asked.length > 0)
        for (const k of await db
          .selectFrom('kpi_values')
          .select(['use_case_id', 'kpi', (eb) => eb.fn.max('ts_ms').as('last')])
          .where(
            'use_case_id',
            'in',
            asked.map(([id]) => id),
          )
          .where('kpi', 'in', [...new Set(asked.flatMap(([, names]) => names))])
          .groupBy(['use_case_id', 'kpi'])
          .execute())
          kpiLast.set(`${k.use_case_id}/${k.kpi}`, Number(k.last));
      for (const h of heads) {
        const at = (start: number | string | null | undefined) =>
          start === null || start === undefined ? undefined : windows.get(`${h.id}/${Number(start)}`);
        const any = at(h.any_start);
        out.set(h.id, {
          windowMs: any ? Number(any.window_end_ms) - Number(any.window_start_ms) : null,
          drift: at(h.drift_start),
          performance: at(h.performance_start),
          comparison: at(h.comparison_start),
          compared: at(h.compared_start),
          lastPredictionMs: h.last === null || h.last === undefined ? null : Number(h.last),
          kpis: kpiNames
            .get(h.use_case_id)!
            .map((name) => ({ name, lastMs: kpiLast.get(`${h.use_case_id}/${name}`) ?? null })),
        });
      }
    }
    return out;
  },

  /** A champion's newest window whose comparison had jointly labelled records. */
  async latestCompared(db: Executor, championId: string): Promise<MonitorWindowTable | undefined> {
    return db
      .selectFrom('monitor_windows')
      .selectAll()
      .where('model_version_id', '=', championId)
      .where('joint_labelled', '>', 0)
      .orderBy('window_start_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
  },
};

export type ChallengersRepo = typeof challengersRepo;
