import type { RequestContext } from '../../context.ts';
import { toCsv, toXlsx, type Sheet } from '../../domain/exports/tabular.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { OverviewFilter, OverviewRow } from '../overview/index.ts';
import type { ExportsRepo } from './exports.repo.ts';

export const INVENTORY_FORMATS = ['csv', 'xlsx'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

export type InventoryFilter = Pick<OverviewFilter, 'q' | 'tier' | 'euAiAct' | 'team' | 'step' | 'attention'>;

export interface InventoryExportDeps extends Pick<CommandDeps, 'db' | 'transact' | 'audit' | 'clock'> {
  repo: Pick<ExportsRepo, 'versionsOf'>;
  /** The inventory page's rows (from the overview). */
  overview(filter: OverviewFilter): Promise<{ rows: OverviewRow[]; total: number }>;
  /** Open findings by subject id (use cases and versions), from the findings feature. */
  openFindings?(subjectIds: string[]): Promise<Map<string, number>>;
}

export const INVENTORY_COLUMNS = [
  'use case',
  'owner team',
  'model',
  'version',
  'tier',
  'EU AI Act category',
  'status',
  'lifecycle step',
  'last validation',
  'next review',
  'open findings',
  'deployment',
  'registered',
];

const PAGE = 500;

/** The model inventory supervisors ask for (SR 26-2, SS1/23): one row per use case, model and version. */
export function createInventoryExport(deps: InventoryExportDeps) {
  async function sheet(filter: InventoryFilter): Promise<Sheet> {
    const now = deps.clock.now().toISOString();
    const overview: OverviewRow[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { rows } = await deps.overview({ ...filter, sort: 'name', order: 'asc', limit: PAGE, offset, now });
      overview.push(...rows);
      if (rows.length < PAGE) break;
    }
    const versions = await deps.repo.versionsOf(
      deps.db,
      overview.flatMap((r) => (r.model_id ? [r.model_id] : [])),
    );
    const byModel = new Map<string, typeof versions>();
    for (const v of versions) byModel.set(v.model_id, [...(byModel.get(v.model_id) ?? []), v]);
    const open = deps.openFindings
      ? await deps.openFindings([
          ...new Set([...overview.map((r) => r.use_case_id), ...versions.map((v) => v.version_id)]),
        ])
      : null;
    // A use case's own findings count on each of its rows; a version's on its own row too.
    const openOn = (...ids: string[]) => (open ? ids.reduce((n, id) => n + (open.get(id) ?? 0), 0) : null);
    const rows: Sheet['rows'] = [];
    for (const r of overview) {
      const base = [r.use_case_name, r.owner_team] as const;
      const tail = { tier: r.tier, category: r.eu_ai_act, review: r.review_by };
      const ofModel = r.model_id ? (byModel.get(r.model_id) ?? []) : [];
      if (ofModel.length === 0) {
        rows.push([
          ...base,
          r.model_name,
          null,
          tail.tier,
          tail.category,
          r.model_name ? 'no versions' : 'no model',
          r.use_case_step,
          null,
          tail.review,
          openOn(r.use_case_id),
          null,
          null,
        ]);
        continue;
      }
      for (const v of ofModel)
        rows.push([
          ...base,
          r.model_name,
          v.version,
          tail.tier,
          tail.category,
          v.stage,
          v.step,
          v.last_validation,
          tail.review,
          openOn(r.use_case_id, v.version_id),
          v.deployments,
          v.created_at,
        ]);
    }
    return { name: 'Model inventory', head: INVENTORY_COLUMNS, rows };
  }

  return {
    /** The inventory as CSV or XLSX, filtered like the inventory page; audited as an export. */
    async export(ctx: RequestContext, format: InventoryFormat, filter: InventoryFilter) {
      const s = await sheet(filter);
      const body = format === 'csv' ? Buffer.from(toCsv(s)) : Buffer.from(toXlsx(s));
      await deps.transact((tx) =>
        deps.audit.append(tx, ctx, {
          action: 'export.generate',
          subject: { type: 'inventory', id: 'inventory' },
          after: { document: 'inventory', format, filter, rows: s.rows.length },
        }),
      );
      return {
        body,
        rows: s.rows.length,
        mediaType:
          format === 'csv'
            ? 'text/csv; charset=utf-8; header=present'
            : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        filename: `model-inventory.${format}`,
      };
    },
  };
}

export type InventoryExport = ReturnType<typeof createInventoryExport>;
