import { keyed } from '../../db/chunks.ts';
import { sql } from 'kysely';
import { translateConstraints } from '../../db/errors.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { listRead } from '../../db/prepared.ts';
import type {
  AlertTable,
  IncidentTable,
  IngestBatchTable,
  KpiValueTable,
  MonitorProfileTable,
  MonitorReferenceTable,
  MonitorWindowTable,
  PredictionTable,
  SuspensionTable,
} from '../../db/schema.ts';
import { DomainError } from '../../errors.ts';

const inserted = (r: { numInsertedOrUpdatedRows?: bigint }[]) =>
  r.reduce((n, x) => n + Number(x.numInsertedOrUpdatedRows ?? 0n), 0);

// The suspended versions of a page of models (the inventory's statuses), prepared once.
const suspendedOfModels = listRead((db, modelIds) =>
  db
    .selectFrom('suspensions as s')
    .innerJoin('model_versions as v', 'v.id', 's.model_version_id')
    .select('s.model_version_id')
    .where('s.active_key', 'is not', null)
    .where('v.model_id', 'in', modelIds),
);

// A page of models' health inputs (the inventory), prepared once: open alerts' severities, and
// the newest window holding records of each version.
const openSeverities = listRead((db, modelIds) =>
  db
    .selectFrom('alerts as a')
    .innerJoin('model_versions as v', 'v.id', 'a.model_version_id')
    .select(['v.model_id', 'a.severity'])
    .where('v.model_id', 'in', modelIds)
    .where('a.state', '!=', 'resolved'),
);
const dataWindows = listRead((db, modelIds) =>
  db
    .selectFrom('monitor_windows as w')
    .innerJoin('model_versions as v', 'v.id', 'w.model_version_id')
    .select([
      'v.model_id',
      'w.model_version_id',
      (eb) => eb.fn.max('w.window_end_ms').as('last'),
      (eb) => eb.fn.max(sql<number>`w.window_end_ms - w.window_start_ms`).as('size'),
    ])
    .where('v.model_id', 'in', modelIds)
    .where('w.rows', '>', 0)
    .groupBy(['v.model_id', 'w.model_version_id']),
);
const activeSuspensionsIn = listRead((db, versionIds) =>
  db
    .selectFrom('suspensions')
    .selectAll()
    .where('model_version_id', 'in', versionIds)
    .where('active_key', 'is not', null),
);

export const monitoringRepo = {
  /** Forgets a version's computed windows (a new monitor) and marks every window holding records or profiles dirty. */
  async rebuildWindows(tx: Tx, versionId: string, windowMs: number): Promise<void> {
    await tx.deleteFrom('monitor_windows').where('model_version_id', '=', versionId).execute();
    // A literal, not a parameter: PostgreSQL must see the select and group-by expressions as one.
    const size = sql.lit(Math.trunc(windowMs));
    const starts = await tx
      .selectFrom('predictions')
      .select(sql<number>`ts_ms - (ts_ms % ${size})`.as('start'))
      .where('model_version_id', '=', versionId)
      .groupBy(sql`ts_ms - (ts_ms % ${size})`)
      .union(
        tx
          .selectFrom('monitor_profiles')
          .select(sql<number>`window_start_ms - (window_start_ms % ${size})`.as('start'))
          .where('model_version_id', '=', versionId),
      )
      .execute();
    await this.markDirty(
      tx,
      versionId,
      [...new Set(starts.map((s) => Number(s.start)))].map((start) => ({ start, end: start + windowMs })),
    );
  },

  async dirtyOf(db: Executor, versionId: string): Promise<number[]> {
    return (
      await db
        .selectFrom('monitor_windows')
        .select('window_start_ms')
        .where('model_version_id', '=', versionId)
        .whereRef('generation', '>', 'computed_generation')
        .execute()
    ).map((r) => r.window_start_ms);
  },

  async latestKpi(db: Executor, useCaseId: string, kpi: string): Promise<KpiValueTable | undefined> {
    return db
      .selectFrom('kpi_values')
      .selectAll()
      .where('use_case_id', '=', useCaseId)
      .where('kpi', '=', kpi)
      .orderBy('ts_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  /** Inserts predictions, skipping record ids the version already has; returns how many were new. */
  async insertPredictions(tx: Tx, rows: PredictionTable[]): Promise<number> {
    if (rows.length === 0) return 0;
    return inserted(
      await tx
        .insertInto('predictions')
        .values(rows)
        .onConflict((oc) => oc.columns(['model_version_id', 'record_id']).doNothing())
        .execute(),
    );
  },

  /** Current labels and timestamps of the given record ids. */
  async predictionsById(
    db: Executor,
    versionId: string,
    recordIds: string[],
  ): Promise<Pick<PredictionTable, 'record_id' | 'ts_ms' | 'label'>[]> {
    if (recordIds.length === 0) return [];
    return db
      .selectFrom('predictions')
      .select(['record_id', 'ts_ms', 'label'])
      .where('model_version_id', '=', versionId)
      .where('record_id', 'in', recordIds)
      .execute();
  },

  async setLabel(tx: Tx, versionId: string, recordId: string, label: string, at: string): Promise<void> {
    await tx
      .updateTable('predictions')
      .set({ label, labelled_at: at })
      .where('model_version_id', '=', versionId)
      .where('record_id', '=', recordId)
      .execute();
  },

  /** One page of a window's predictions in (time, id) order, after the given position. */
  async windowPage(
    db: Executor,
    versionId: string,
    fromMs: number,
    toMs: number,
    after: { ts: number; id: string } | null,
    limit: number,
  ): Promise<Pick<PredictionTable, 'record_id' | 'ts_ms' | 'features' | 'prediction' | 'score' | 'label'>[]> {
    let q = db
      .selectFrom('predictions')
      .select(['record_id', 'ts_ms', 'features', 'prediction', 'score', 'label'])
      .where('model_version_id', '=', versionId)
      .where('ts_ms', '>=', fromMs)
      .where('ts_ms', '<', toMs);
    if (after)
      q = q.where((eb) =>
        eb.or([eb('ts_ms', '>', after.ts), eb.and([eb('ts_ms', '=', after.ts), eb('record_id', '>', after.id)])]),
      );
    return q.orderBy('ts_ms').orderBy('record_id').limit(limit).execute();
  },

  async insertBatch(tx: Tx, row: IngestBatchTable): Promise<void> {
    await tx.insertInto('ingest_batches').values(row).execute();
  },

  async batches(db: Executor, versionId: string, limit: number): Promise<IngestBatchTable[]> {
    return db
      .selectFrom('ingest_batches')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },

  /** Marks windows as needing (re)computation, creating them as needed. */
  async markDirty(tx: Tx, versionId: string, windows: { start: number; end: number }[]): Promise<void> {
    for (const w of windows) {
      await tx
        .insertInto('monitor_windows')
        .values({
          model_version_id: versionId,
          window_start_ms: w.start,
          window_end_ms: w.end,
          generation: 1,
          computed_generation: 0,
          lease_until_ms: null,
          drift: null,
          performance: null,
          rows: 0,
          labelled: 0,
          computed_at: null,
          config_id: null,
          comparison: null,
          joint_labelled: 0,
        })
        .onConflict((oc) =>
          oc
            .columns(['model_version_id', 'window_start_ms'])
            .doUpdateSet({ generation: sql<number>`monitor_windows.generation + 1` }),
        )
        .execute();
    }
  },

  /** Pending windows nobody holds (or whose holder's lease ran out), oldest first. */
  async dirtyWindows(
    db: Executor,
    nowMs: number,
    limit: number,
  ): Promise<Pick<MonitorWindowTable, 'model_version_id' | 'window_start_ms'>[]> {
    return db
      .selectFrom('monitor_windows')
      .select(['model_version_id', 'window_start_ms'])
      .whereRef('generation', '>', 'computed_generation')
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', nowMs)]))
      .orderBy('window_start_ms')
      .limit(limit)
      .execute();
  },

  async window(db: Executor, versionId: string, start: number): Promise<MonitorWindowTable | undefined> {
    return db
      .selectFrom('monitor_windows')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '=', start)
      .executeTakeFirst();
  },

  /**
   * Takes a pending window for computation until `leaseUntil`: returns the generation it will
   * compute, or null when it is not pending or another worker holds it.
   */
  async claimWindow(
    tx: Tx,
    versionId: string,
    start: number,
    nowMs: number,
    leaseUntil: number,
  ): Promise<number | null> {
    const r = await tx
      .updateTable('monitor_windows')
      .set({ lease_until_ms: leaseUntil })
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '=', start)
      .whereRef('generation', '>', 'computed_generation')
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', nowMs)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return null;
    const row = await tx
      .selectFrom('monitor_windows')
      .select('generation')
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '=', start)
      .executeTakeFirstOrThrow();
    return row.generation;
  },

  /**
   * Stores a window computed at `generation` and frees it; a result older than one already stored
   * is dropped. Records that arrived meanwhile raised the generation: it stays pending.
   */
  async saveWindow(
    tx: Tx,
    w: Pick<
      MonitorWindowTable,
      | 'model_version_id'
      | 'window_start_ms'
      | 'drift'
      | 'performance'
      | 'rows'
      | 'labelled'
      | 'computed_at'
      | 'config_id'
      | 'comparison'
      | 'joint_labelled'
    >,
    generation: number,
  ): Promise<boolean> {
    const r = await tx
      .updateTable('monitor_windows')
      .set({ ...w, computed_generation: generation, lease_until_ms: null })
      .where('model_version_id', '=', w.model_version_id)
      .where('window_start_ms', '=', w.window_start_ms)
      .where('computed_generation', '<', generation)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Frees a window after a failed computation, so the next sweep retries it. */
  async releaseWindow(tx: Tx, versionId: string, start: number): Promise<void> {
    await tx
      .updateTable('monitor_windows')
      .set({ lease_until_ms: null })
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '=', start)
      .execute();
  },

  /** Locks a version's monitoring state (PostgreSQL row lock; SQLite has one writer) so alert decisions serialise. */
  async lockVersion(tx: Tx, versionId: string): Promise<void> {
    await lockRows(tx, 'model_versions', 'revision').where('id', '=', versionId).execute();
  },

  /** Whether a window after `start` exists (with `labelled` records, when asked). */
  async newerWindow(db: Executor, versionId: string, start: number, labelled: boolean): Promise<boolean> {
    let q = db
      .selectFrom('monitor_windows')
      .select('window_start_ms')
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '>', start);
    if (labelled) q = q.where('labelled', '>', 0);
    return (await q.limit(1).executeTakeFirst()) !== undefined;
  },

  /** The newest windows (up to `limit`) within [from, to), oldest first. */
  async latestWindows(
    db: Executor,
    versionId: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<MonitorWindowTable[]> {
    const rows = await db
      .selectFrom('monitor_windows')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '>=', fromMs)
      .where('window_start_ms', '<', toMs)
      .orderBy('window_start_ms', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  },

  async countWindowRows(db: Executor, versionId: string, fromMs: number, toMs: number): Promise<number> {
    const r = await db
      .selectFrom('predictions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('model_version_id', '=', versionId)
      .where('ts_ms', '>=', fromMs)
      .where('ts_ms', '<', toMs)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },

  async lastData(db: Executor, versionIds: string[]): Promise<Map<string, number>> {
    if (versionIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('monitor_windows')
      .select(['model_version_id', (eb) => eb.fn.max('window_end_ms').as('last')])
      .where('model_version_id', 'in', versionIds)
      .where('rows', '>', 0)
      .groupBy('model_version_id')
      .execute();
    return new Map(rows.map((r) => [r.model_version_id, Number(r.last)]));
  },

  async insertProfile(tx: Tx, row: MonitorProfileTable): Promise<boolean> {
    const r = await tx
      .insertInto('monitor_profiles')
      .values(row)
      .onConflict((oc) => oc.columns(['model_version_id', 'profile_key']).doNothing())
      .execute();
    return inserted(r) === 1;
  },

  async profileByKey(db: Executor, versionId: string, key: string): Promise<MonitorProfileTable | undefined> {
    return db
      .selectFrom('monitor_profiles')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .where('profile_key', '=', key)
      .executeTakeFirst();
  },

  async windowProfiles(db: Executor, versionId: string, fromMs: number, toMs: number): Promise<MonitorProfileTable[]> {
    return db
      .selectFrom('monitor_profiles')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .where('window_start_ms', '>=', fromMs)
      .where('window_start_ms', '<', toMs)
      .orderBy('window_start_ms')
      .execute();
  },

  async insertReference(tx: Tx, rows: MonitorReferenceTable[]): Promise<void> {
    for (const r of rows) await tx.insertInto('monitor_references').values(r).execute();
  },

  async reference(db: Executor, versionId: string, configId: string): Promise<MonitorReferenceTable[]> {
    return db
      .selectFrom('monitor_references')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .where('config_id', '=', configId)
      .orderBy('column_name')
      .execute();
  },

  /** Inserts KPI values, skipping timestamps already recorded; returns the new ones. */
  async insertKpiValues(tx: Tx, rows: KpiValueTable[]): Promise<number> {
    if (rows.length === 0) return 0;
    return inserted(
      await tx
        .insertInto('kpi_values')
        .values(rows)
        .onConflict((oc) => oc.columns(['use_case_id', 'kpi', 'ts_ms']).doNothing())
        .execute(),
    );
  },

  async kpiValuesAt(db: Executor, useCaseId: string, kpi: string, tsMs: number[]): Promise<KpiValueTable[]> {
    if (tsMs.length === 0) return [];
    return db
      .selectFrom('kpi_values')
      .selectAll()
      .where('use_case_id', '=', useCaseId)
      .where('kpi', '=', kpi)
      .where('ts_ms', 'in', tsMs)
      .execute();
  },

  async kpiValues(
    db: Executor,
    useCaseId: string,
    kpi: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<KpiValueTable[]> {
    return db
      .selectFrom('kpi_values')
      .selectAll()
      .where('use_case_id', '=', useCaseId)
      .where('kpi', '=', kpi)
      .where('ts_ms', '>=', fromMs)
      .where('ts_ms', '<', toMs)
      .orderBy('ts_ms')
      .limit(limit)
      .execute();
  },

  async alertByOpenKey(db: Executor, key: string): Promise<AlertTable | undefined> {
    return db.selectFrom('alerts').selectAll().where('open_key', '=', key).executeTakeFirst();
  },

  /** Opens an alert unless one with its key is open already (then false). */
  async insertAlert(tx: Tx, row: AlertTable): Promise<boolean> {
    return (
      inserted(
        await tx
          .insertInto('alerts')
          .values(row)
          .onConflict((oc) => oc.column('open_key').doNothing())
          .execute(),
      ) === 1
    );
  },

  async updateAlert(tx: Tx, id: string, set: Partial<AlertTable>): Promise<void> {
    await tx.updateTable('alerts').set(set).where('id', '=', id).execute();
  },

  async alert(db: Executor, id: string): Promise<AlertTable | undefined> {
    return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async alerts(
    db: Executor,
    where: { versionId?: string; useCaseId?: string; states?: string[]; teams?: string[] },
    limit: number,
    after?: string,
  ): Promise<AlertTable[]> {
    let q = db.selectFrom('alerts').selectAll();
    if (where.versionId) q = q.where('model_version_id', '=', where.versionId);
    if (where.useCaseId) q = q.where('use_case_id', '=', where.useCaseId);
    if (where.states) q = q.where('state', 'in', where.states);
    if (after) q = q.where('id', '<', after);
    return q.orderBy('id', 'desc').limit(limit).execute();
  },

  /** Severities of unresolved alerts per version. */
  async openSeverities(db: Executor, versionIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (versionIds.length === 0) return out;
    const rows = await db
      .selectFrom('alerts')
      .select(['model_version_id', 'severity'])
      .where('model_version_id', 'in', versionIds)
      .where('state', '!=', 'resolved')
      .execute();
    for (const r of rows) out.set(r.model_version_id!, [...(out.get(r.model_version_id!) ?? []), r.severity]);
    return out;
  },

  /**
   * What model health is made of, per model: severities of unresolved alerts on its versions, and
   * for each version with monitoring data, when its last data ended and its window length.
   */
  async modelHealthInputs(
    db: Executor,
    modelIds: string[],
  ): Promise<{ severities: Map<string, string[]>; data: Map<string, { last: number; size: number }[]> }> {
    const severities = new Map<string, string[]>();
    const data = new Map<string, { last: number; size: number }[]>();
    if (modelIds.length === 0) return { severities, data };
    for (const a of await openSeverities(db, modelIds))
      severities.set(a.model_id, [...(severities.get(a.model_id) ?? []), a.severity]);
    for (const w of await dataWindows(db, modelIds))
      data.set(w.model_id, [...(data.get(w.model_id) ?? []), { last: Number(w.last), size: Number(w.size) }]);
    return { severities, data };
  },

  async insertIncident(tx: Tx, row: IncidentTable): Promise<void> {
    await tx.insertInto('incidents').values(row).execute();
  },

  async incident(db: Executor, id: string): Promise<IncidentTable | undefined> {
    return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async updateIncident(tx: Tx, id: string, set: Partial<IncidentTable>): Promise<void> {
    await tx.updateTable('incidents').set(set).where('id', '=', id).execute();
  },

  async incidents(
    db: Executor,
    where: { useCaseId?: string; open?: boolean },
    limit: number,
  ): Promise<IncidentTable[]> {
    let q = db.selectFrom('incidents').selectAll();
    if (where.useCaseId) q = q.where('use_case_id', '=', where.useCaseId);
    if (where.open) q = q.where('state', '!=', 'closed');
    return q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  async insertSuspension(tx: Tx, row: SuspensionTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('suspensions').values(row).execute(), {
      unique: () => new DomainError('conflict', 'this version is already suspended'),
    });
  },

  async activeSuspension(db: Executor, versionId: string): Promise<SuspensionTable | undefined> {
    return (await monitoringRepo.activeSuspensions(db, [versionId])).get(versionId);
  },

  /** The active suspension of each of `versionIds` that has one. */
  async activeSuspensions(db: Executor, versionIds: string[]): Promise<Map<string, SuspensionTable>> {
    return keyed(
      versionIds,
      (ids) => activeSuspensionsIn(db, ids),
      (s) => s.model_version_id,
    );
  },

  /** The versions of these models under an active suspension. */
  async suspendedVersions(db: Executor, modelIds: string[]): Promise<string[]> {
    return (await suspendedOfModels(db, modelIds)).map((r) => r.model_version_id);
  },

  async suspensions(db: Executor, versionId: string): Promise<SuspensionTable[]> {
    return db
      .selectFrom('suspensions')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .orderBy('suspended_at')
      .orderBy('id')
      .execute();
  },

  /** Lifts an active suspension; false when it was lifted meanwhile. */
  async liftSuspension(
    tx: Tx,
    id: string,
    set: Pick<SuspensionTable, 'lifted_at' | 'lifted_by' | 'lift_signature'>,
  ): Promise<boolean> {
    const r = await tx
      .updateTable('suspensions')
      .set({ ...set, active_key: null })
      .where('id', '=', id)
      .where('active_key', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
};

export type MonitoringRepo = typeof monitoringRepo;
