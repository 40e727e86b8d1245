import type { Executor } from '../../db/database.ts';
import type { KpiSnapshotTable } from '../../db/schema.ts';
import type { RequestContext } from '../../context.ts';
import { DomainError } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { requireWriteScope } from '../common/authorize.ts';
import type { GovernanceRepo } from './governance.repo.ts';

export interface KpiHistoryDeps extends Pick<CommandDeps, 'transact' | 'audit' | 'clock'> {
  repo: Pick<GovernanceRepo, 'firstComputedDay' | 'existingKeys' | 'writeSnapshot'>;
  teamExists: (exec: Executor, team: string) => Promise<boolean>;
}

export interface ImportedValue {
  day: string;
  kpi: string;
  team?: string;
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
}

const problem = (errors: { pointer: string; message: string }[]) =>
  new DomainError(
    'validation_failed',
    `${errors.length} value${errors.length === 1 ? '' : 's'} of the KPI history cannot be imported; nothing was imported`,
    { errors: errors.slice(0, 50) },
  );

/**
 * KPI history from before Steward measured: an organisation moving its programme onto Steward
 * brings the values it reported earlier (a risk committee's quarterly pack, a spreadsheet). They
 * are kept apart from computed snapshots (`source: imported`, with who imported them from what),
 * only for days before Steward's first computed snapshot, and all or nothing.
 */
export function createKpiHistoryImport(deps: KpiHistoryDeps) {
  const { transact, audit, clock, repo } = deps;
  return {
    async importHistory(
      ctx: RequestContext,
      input: { source: string; values: ImportedValue[] },
    ): Promise<{ imported: number; from: string; to: string }> {
      requireWriteScope(ctx, 'import KPI history');
      const today = clock.now().toISOString().slice(0, 10);
      const errors: { pointer: string; message: string }[] = [];
      input.values.forEach((v, i) => {
        const day = new Date(`${v.day}T00:00:00Z`);
        if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== v.day)
          errors.push({ pointer: `/values/${i}/day`, message: `${v.day} is not a calendar day` });
        else if (v.day >= today)
          errors.push({
            pointer: `/values/${i}/day`,
            message: `${v.day} is not before today (${today}): only history can be imported`,
          });
      });
      const seen = new Set<string>();
      input.values.forEach((v, i) => {
        const key = `${v.day} ${v.kpi} ${v.team ?? '*'}`;
        if (seen.has(key))
          errors.push({ pointer: `/values/${i}`, message: `${v.kpi} for ${v.team ?? '*'} on ${v.day} is given twice` });
        seen.add(key);
      });
      if (errors.length > 0) throw problem(errors);
      return transact(async (tx) => {
        const teams = [...new Set(input.values.map((v) => v.team ?? '*'))].filter((t) => t !== '*');
        const unknown = new Set<string>();
        for (const t of teams) if (!(await deps.teamExists(tx, t))) unknown.add(t);
        input.values.forEach((v, i) => {
          if (v.team !== undefined && unknown.has(v.team))
            errors.push({ pointer: `/values/${i}/team`, message: `no team '${v.team}'` });
        });
        const first = await repo.firstComputedDay(tx);
        if (first !== null)
          input.values.forEach((v, i) => {
            if (v.day >= first)
              errors.push({
                pointer: `/values/${i}/day`,
                message: `${v.day} is not before ${first}, the first day Steward computed its KPIs`,
              });
          });
        if (errors.length > 0) throw problem(errors);
        const existing = await repo.existingKeys(tx, [...new Set(input.values.map((v) => v.day))]);
        const clash = input.values.findIndex((v) => existing.has(`${v.day} ${v.kpi} ${v.team ?? '*'}`));
        if (clash >= 0) {
          const v = input.values[clash]!;
          throw new DomainError(
            'conflict',
            `${v.kpi} for ${v.team ?? '*'} on ${v.day} was imported before; nothing was imported`,
            { errors: [{ pointer: `/values/${clash}`, message: 'already imported' }] },
          );
        }
        const takenAt = clock.now().toISOString();
        const detail = JSON.stringify({ importedFrom: input.source });
        const rows: KpiSnapshotTable[] = input.values.map((v) => ({
          day: v.day,
          kpi: v.kpi,
          team: v.team ?? '*',
          value: v.value,
          numerator: v.numerator ?? null,
          denominator: v.denominator ?? null,
          detail,
          taken_at: takenAt,
          source: 'imported',
        }));
        await repo.writeSnapshot(tx, rows, false);
        const days = [...new Set(rows.map((r) => r.day))].sort();
        const out = { imported: rows.length, from: days[0]!, to: days.at(-1)! };
        await audit.append(tx, ctx, {
          action: 'governance.kpi-history-import',
          subject: { type: 'kpi-history', id: `${out.from}..${out.to}` },
          after: { ...out, source: input.source, kpis: [...new Set(rows.map((r) => r.kpi))].sort() },
        });
        return out;
      });
    },
  };
}

export type KpiHistoryImport = ReturnType<typeof createKpiHistoryImport>;
