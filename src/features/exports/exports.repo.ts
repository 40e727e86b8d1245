import type { Executor } from '../../db/database.ts';

export interface InventoryVersionRow {
  model_id: string;
  version_id: string;
  version: number;
  stage: string;
  created_at: string;
  step: string | null;
  last_validation: string | null;
  deployments: string | null;
}

/** Reads for exports (the exports feature owns no table and writes none). */
export const exportsRepo = {
  /**
   * Every live version of the models, with its lifecycle step, its latest approval by a validator
   * (risk-audit) and its active deployments (`environment:mode`, comma-separated).
   */
  async versionsOf(db: Executor, modelIds: string[]): Promise<InventoryVersionRow[]> {
    if (modelIds.length === 0) return [];
    const rows: InventoryVersionRow[] = [];
    // Bounded IN lists: SQLite's parameter limit, and plans that stay index lookups.
    for (let i = 0; i < modelIds.length; i += 500) {
      const chunk = modelIds.slice(i, i + 500);
      const found = await db
        .selectFrom('model_versions as mv')
        .leftJoin('lifecycle_states as ls', 'ls.model_version_id', 'mv.id')
        .select((eb) => [
          'mv.model_id as model_id',
          'mv.id as version_id',
          'mv.version as version',
          'mv.stage as stage',
          'mv.created_at as created_at',
          'ls.step as step',
          eb
            .selectFrom('signatures as s')
            .select((e) => e.fn.max('s.created_at').as('t'))
            .whereRef('s.subject_id', '=', 'mv.id')
            .where('s.role', '=', 'risk-audit')
            .where('s.meaning', '=', 'approve')
            .as('last_validation'),
        ])
        .where('mv.model_id', 'in', chunk)
        .where('mv.deleted_at', 'is', null)
        .orderBy('mv.model_id')
        .orderBy('mv.version')
        .execute();
      const deployments = await db
        .selectFrom('deployments')
        .select(['model_version_id', 'environment', 'mode'])
        .where('model_id', 'in', chunk)
        .where('active_key', 'is not', null)
        .orderBy('environment')
        .execute();
      const byVersion = new Map<string, string[]>();
      for (const d of deployments)
        byVersion.set(d.model_version_id, [...(byVersion.get(d.model_version_id) ?? []), `${d.environment}:${d.mode}`]);
      for (const r of found)
        rows.push({
          ...(r as Omit<InventoryVersionRow, 'deployments'>),
          last_validation: (r.last_validation as string | null) ?? null,
          deployments: byVersion.get(r.version_id)?.join(', ') ?? null,
        });
    }
    return rows;
  },
};

export type ExportsRepo = typeof exportsRepo;
