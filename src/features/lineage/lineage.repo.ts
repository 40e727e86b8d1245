import type { Executor, Tx } from '../../db/database.ts';
import type { LineageRunTable } from '../../db/schema.ts';

/** The lineage feature's table: OpenLineage runs received. */
export const lineageRepo = {
  async find(db: Executor, runId: string, eventType: string, eventTime: string) {
    return db
      .selectFrom('lineage_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('event_type', '=', eventType)
      .where('event_time', '=', eventTime)
      .executeTakeFirst();
  },

  async insert(tx: Tx, row: LineageRunTable): Promise<void> {
    await tx.insertInto('lineage_runs').values(row).execute();
  },

  /** The runs that produced a model version, newest first. */
  async ofVersion(db: Executor, versionId: string): Promise<LineageRunTable[]> {
    return db
      .selectFrom('lineage_runs')
      .selectAll()
      .where('model_version_id', '=', versionId)
      .orderBy('event_time', 'desc')
      .limit(100)
      .execute();
  },
};

export type LineageRepo = typeof lineageRepo;
