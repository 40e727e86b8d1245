import type { Executor } from '../../db/database.ts';
import type { AlertTable, IncidentTable } from '../../db/schema.ts';

/**
 * Reads that put an alert in context: what its subject is called and which incident it was
 * escalated to. Read-only; the incidents table is written by the monitoring repository.
 */
export const alertViewsRepo = {
  /** The incident escalated from an alert that is not closed yet, if any. */
  async openIncidentOfAlert(db: Executor, alertId: string): Promise<IncidentTable | undefined> {
    return db
      .selectFrom('incidents')
      .selectAll()
      .where('alert_id', '=', alertId)
      .where('state', '!=', 'closed')
      .orderBy('opened_at', 'desc')
      .executeTakeFirst();
  },

  /** Per alert, its latest incident, an open one before closed ones: what the alert list shows. */
  async incidentsOfAlerts(db: Executor, alertIds: string[]): Promise<Map<string, IncidentTable>> {
    const out = new Map<string, IncidentTable>();
    if (alertIds.length === 0) return out;
    const rows = await db
      .selectFrom('incidents')
      .selectAll()
      .where('alert_id', 'in', alertIds)
      .orderBy('opened_at')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const seen = out.get(r.alert_id!);
      if (!seen || seen.state === 'closed' || r.state !== 'closed') out.set(r.alert_id!, r);
    }
    return out;
  },

  /** What alerts' subjects are called: use cases by name, versions by model name and number. */
  async subjectNames(
    db: Executor,
    alerts: Pick<AlertTable, 'use_case_id' | 'model_version_id'>[],
  ): Promise<{
    useCases: Map<string, string>;
    teams: Map<string, string>;
    versions: Map<string, { model: string; version: number }>;
  }> {
    const caseIds = [...new Set(alerts.map((a) => a.use_case_id))];
    const versionIds = [...new Set(alerts.flatMap((a) => (a.model_version_id ? [a.model_version_id] : [])))];
    const cases =
      caseIds.length === 0
        ? []
        : await db.selectFrom('use_cases').select(['id', 'name', 'owner_team']).where('id', 'in', caseIds).execute();
    const versions =
      versionIds.length === 0
        ? []
        : await db
            .selectFrom('model_versions as v')
            .innerJoin('models as m', 'm.id', 'v.model_id')
            .select(['v.id', 'm.name', 'v.version'])
            .where('v.id', 'in', versionIds)
            .execute();
    return {
      useCases: new Map(cases.map((c) => [c.id, c.name])),
      teams: new Map(cases.map((c) => [c.id, c.owner_team])),
      versions: new Map(versions.map((v) => [v.id, { model: v.name, version: v.version }])),
    };
  },
};

export type AlertViewsRepo = typeof alertViewsRepo;
