import type { Executor, Tx } from '../../db/database.ts';
import type { MonitorChallengerTable, MonitorWindowTable } from '../../db/schema.ts';

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
    return db
      .selectFrom('monitor_challengers')
      .selectAll()
      .where('champion_version_id', '=', championId)
      .executeTakeFirst();
  },

  /** The champions whose current monitor names this version as their challenger. */
  async championsOf(db: Executor, challengerId: string): Promise<string[]> {
    return (
      await db
        .selectFrom('monitor_challengers')
        .select('champion_version_id')
        .where('challenger_version_id', '=', challengerId)
        .execute()
    ).map((r) => r.champion_version_id);
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
   * What monitoring evidence is made of, for one version: its newest window of each computed
   * family (drift, labelled performance, comparison), its newest prediction timestamp, the
   * window length, and its use case's KPI definitions with each KPI's newest value.
   */
  async evidenceInputs(
    db: Executor,
    versionId: string,
  ): Promise<{
    windowMs: number | null;
    drift: MonitorWindowTable | undefined;
    performance: MonitorWindowTable | undefined;
    comparison: MonitorWindowTable | undefined;
    compared: MonitorWindowTable | undefined;
    lastPredictionMs: number | null;
    kpis: { name: string; lastMs: number | null }[];
  }> {
    const newest = (f: (q: any) => any) =>
      f(db.selectFrom('monitor_windows').selectAll().where('model_version_id', '=', versionId))
        .orderBy('window_start_ms', 'desc')
        .limit(1)
        .executeTakeFirst() as Promise<MonitorWindowTable | undefined>;
    const [any, drift, performance, comparison, compared, last, uc] = await Promise.all([
      newest((q) => q),
      newest((q) => q.where('drift', 'is not', null)),
      newest((q) => q.where('performance', 'is not', null).where('labelled', '>', 0)),
      newest((q) => q.where('comparison', 'is not', null)),
      newest((q) => q.where('joint_labelled', '>', 0)),
      db
        .selectFrom('predictions')
        .select((eb) => eb.fn.max('ts_ms').as('last'))
        .where('model_version_id', '=', versionId)
        .executeTakeFirst(),
      db
        .selectFrom('model_versions as v')
        .innerJoin('models as m', 'm.id', 'v.model_id')
        .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
        .select(['u.id', 'u.kpis'])
        .where('v.id', '=', versionId)
        .executeTakeFirst(),
    ]);
    const names = uc ? (JSON.parse(uc.kpis) as { name: string }[]).map((k) => k.name) : [];
    const kpiLast =
      uc && names.length > 0
        ? await db
            .selectFrom('kpi_values')
            .select(['kpi', (eb) => eb.fn.max('ts_ms').as('last')])
            .where('use_case_id', '=', uc.id)
            .where('kpi', 'in', names)
            .groupBy('kpi')
            .execute()
        : [];
    const lastOf = new Map(kpiLast.map((k) => [k.kpi, Number(k.last)]));
    return {
      windowMs: any ? Number(any.window_end_ms) - Number(any.window_start_ms) : null,
      drift,
      performance,
      comparison,
      compared,
      lastPredictionMs: last?.last === null || last?.last === undefined ? null : Number(last.last),
      kpis: names.map((name) => ({ name, lastMs: lastOf.get(name) ?? null })),
    };
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
