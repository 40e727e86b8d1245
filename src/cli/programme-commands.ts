import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';

interface KpiValue {
  source?: 'computed' | 'imported';
  kpi: string;
  team: string;
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
  target?: { comparator: string; target: number };
  missed?: boolean;
}
interface Definition {
  id: string;
  title: string;
  unit: 'share' | 'count' | 'hours' | 'days';
}
interface Report {
  at: string;
  definitions: Definition[];
  values?: KpiValue[];
  history?: (KpiValue & { day: string })[];
  alerts: { kpi: string; value: number | null; comparator: string; target: number; openedDay: string }[];
}
interface Change {
  regulationTitle: string;
  title: string;
  change: 'takes-effect' | 'lapses';
  day: string;
  upcoming: boolean;
  acted: boolean;
  useCases: number;
}
interface Entry {
  rank: number | null;
  name: string;
  score: number | null;
  components: { id: string; value: number | null; numerator: number; denominator: number }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A KPI value as people read it: shares as percentages, counts as whole numbers, durations with their unit. */
export function formatKpi(value: number | null, unit: Definition['unit'] | undefined): string {
  if (value === null) return 'n/a';
  switch (unit) {
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'count':
      return String(Math.round(value));
    case 'hours':
      return `${value.toFixed(1)} h`;
    case 'days':
      return `${value.toFixed(1)} d`;
    default:
      return String(value);
  }
}

/** The governance programme: its KPIs, their history and targets, and the leaderboard. */
export function programmeCommands(program: Command): void {
  program
    .command('kpis')
    .description("the governance programme's KPIs now with their targets, or their daily history (--from)")
    .option('--team <team>', "one team's values ('*': the organisation)")
    .option('--kpi <id>', 'one KPI')
    .option('--from <day>', 'history from this day (YYYY-MM-DD)')
    .option('--to <day>', 'history up to this day (default: today)')
    .option('--snapshot', "take today's snapshot now (policy administrators), then show the KPIs", false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      for (const [name, v] of [
        ['--from', o.from],
        ['--to', o.to],
      ] as const)
        if (v !== undefined && !DAY.test(v)) throw new UsageError(`${name} must be a day as YYYY-MM-DD, not '${v}'`);
      const client = createClient();
      if (o.snapshot) await client.request('POST', '/api/v1/governance/kpis/snapshots');
      const q = new URLSearchParams();
      for (const k of ['team', 'kpi', 'from', 'to'] as const) if (o[k] !== undefined) q.set(k, o[k]);
      const res = await client.request<Report>('GET', `/api/v1/governance/kpis${q.size ? `?${q}` : ''}`);
      const defs = new Map(res.definitions.map((d) => [d.id, d]));
      const label = (kpi: string) => defs.get(kpi)?.title ?? kpi;
      const unit = (kpi: string) => defs.get(kpi)?.unit;
      const human = res.history
        ? res.history
            .map(
              (p) =>
                `${p.day}  ${label(p.kpi)}${p.team === '*' ? '' : ` (${p.team})`}  ${formatKpi(p.value, unit(p.kpi))}${p.source === 'imported' ? '  (imported)' : ''}`,
            )
            .join('\n') || 'no snapshots in that range'
        : [
            ...(res.values ?? []).map(
              (v) =>
                `${label(v.kpi)}${v.team === '*' ? '' : ` (${v.team})`}  ${formatKpi(v.value, unit(v.kpi))}` +
                (v.target
                  ? `  target ${v.target.comparator} ${formatKpi(v.target.target, unit(v.kpi))}${v.missed ? '  MISSED' : ''}`
                  : ''),
            ),
            ...(res.alerts.length
              ? [
                  '',
                  'Open alerts on missed targets:',
                  ...res.alerts.map(
                    (a) =>
                      `  ${label(a.kpi)}: ${formatKpi(a.value, unit(a.kpi))} (target ${a.comparator} ${formatKpi(a.target, unit(a.kpi))}) since ${a.openedDay}`,
                  ),
                ]
              : []),
          ].join('\n');
      print(o.json, res, human);
    });

  program
    .command('kpi-history <file>')
    .description(
      'import KPI history from earlier reporting, a CSV file with a header of day,kpi,value and optionally team, numerator, denominator (policy administrators; days before Steward first computed its KPIs; all rows or none)',
    )
    .requiredOption('--source <text>', 'where the values come from, e.g. "Risk committee KPI pack, Q3 2026"')
    .option('--json', 'print JSON', false)
    .action(async (file: string, o: { source: string; json: boolean }) => {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
      });
      const values = kpiHistoryRows(text);
      const r = await createClient().request<{ imported: number; from: string; to: string }>(
        'POST',
        '/api/v1/governance/kpis/history',
        { source: o.source, values },
      );
      print(o.json, r, `imported ${r.imported} value(s) from ${r.from} to ${r.to}`);
    });

  program
    .command('leaderboard')
    .description('teams and people ranked by the programme score, with its components')
    .option('--days <n>', 'the window in days (default: the pack’s)')
    .option('--people', 'rank people instead of teams', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      if (o.days !== undefined && !/^[1-9]\d{0,3}$/.test(o.days))
        throw new UsageError(`--days must be a whole number from 1 to 3650, not '${o.days}'`);
      const res = await createClient().request<{ teams: Entry[]; people: Entry[]; windowDays: number }>(
        'GET',
        `/api/v1/governance/leaderboard${o.days ? `?days=${o.days}` : ''}`,
      );
      const entries = o.people ? res.people : res.teams;
      print(
        o.json,
        res,
        entries
          .map(
            (e) =>
              `${e.rank ?? '-'}. ${e.name}  ${e.score ?? 'n/a'}  ` +
              e.components
                .map((c) => `${c.id} ${c.value === null ? 'n/a' : `${c.numerator}/${c.denominator}`}`)
                .join(', '),
          )
          .join('\n') || 'nobody to rank yet',
      );
    });

  program
    .command('regulatory-changes')
    .description('regulation requirements taking effect or lapsing around today, with the use cases each reaches')
    .option('--days <n>', 'days before and after today', '365')
    .option('--run', 'run the watch now (policy administrators): act on every change whose day has come', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      if (!/^[1-9]\d{0,3}$/.test(o.days) || Number(o.days) > 3650)
        throw new UsageError(`--days must be a whole number from 1 to 3650, not '${o.days}'`);
      const client = createClient();
      const run = o.run
        ? await client.request<{ through: string | null; changes: number; useCases: number }>(
            'POST',
            '/api/v1/governance/regulatory-changes/runs',
          )
        : null;
      const res = await client.request<{ today: string; through: string | null; items: Change[] }>(
        'GET',
        `/api/v1/governance/regulatory-changes?days=${o.days}`,
      );
      print(
        o.json,
        run ? { run, ...res } : res,
        [
          ...(run ? [`watch run: ${run.changes} change(s) acted on for ${run.useCases} use case(s)`] : []),
          ...res.items.map(
            (c) =>
              `${c.day}  ${c.change === 'takes-effect' ? 'takes effect' : 'lapses'}${c.upcoming ? ' (upcoming)' : c.acted ? ' (acted on)' : ''}  ${c.regulationTitle}: ${c.title}  reaches ${c.useCases} use case(s)`,
          ),
        ].join('\n') || 'no requirement takes effect or lapses in that window',
      );
    });
}

/** The rows of a KPI history CSV (plain fields: days, ids and numbers never need quoting). */
export function kpiHistoryRows(text: string): Record<string, unknown>[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  for (const need of ['day', 'kpi', 'value'])
    if (!header.includes(need)) throw new UsageError(`the CSV header must name ${need} (it has: ${header.join(', ')})`);
  const known = new Set(['day', 'kpi', 'team', 'value', 'numerator', 'denominator']);
  const extra = header.filter((h) => !known.has(h));
  if (extra.length > 0)
    throw new UsageError(`unknown CSV columns: ${extra.join(', ')} (allowed: ${[...known].join(', ')})`);
  const number = (cell: string, line: number, column: string): number | null => {
    if (cell === '') return null;
    const n = Number(cell);
    if (!Number.isFinite(n)) throw new UsageError(`line ${line}: ${column} '${cell}' is not a number`);
    return n;
  };
  return lines.slice(1).map((l, i) => {
    const cells = l.split(',').map((c) => c.trim());
    if (cells.length !== header.length)
      throw new UsageError(`line ${i + 2}: ${cells.length} fields where the header has ${header.length}`);
    const row = Object.fromEntries(header.map((h, j) => [h, cells[j]!]));
    return {
      day: row.day,
      kpi: row.kpi,
      ...(row.team ? { team: row.team } : {}),
      value: number(row.value!, i + 2, 'value'),
      ...(row.numerator !== undefined ? { numerator: number(row.numerator, i + 2, 'numerator') } : {}),
      ...(row.denominator !== undefined ? { denominator: number(row.denominator, i + 2, 'denominator') } : {}),
    };
  });
}
