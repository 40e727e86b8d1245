import type { RequestContext } from '../../context.ts';
import type { KpiSnapshotTable } from '../../db/schema.ts';
import {
  ageBucket,
  KPIS,
  missesTarget,
  quantile,
  share,
  type KpiId,
  type KpiTarget,
  type KpiValue,
} from '../../domain/governance/kpis.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { DomainError } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { GovernanceRepo, TeamCount, TeamShare } from './governance.repo.ts';
import { trainingTallies } from './trainings.fns.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** What one governed version's requirements came to: the requirement pass both KPIs and the leaderboard use. */
export interface RequirementTally {
  team: string;
  createdBy: string | null;
  tier: number;
  satisfied: number;
  total: number;
  /** consideration id → [satisfied, total] */
  byConsideration: Record<string, [number, number]>;
}

/** A KPI another feature computes over its own tables (open findings, training currency). */
export type KpiSource = (now: Date) => Promise<KpiValue[]>;

export interface KpiDeps extends CommandDeps {
  repo: GovernanceRepo;
  /**
   * The requirement statuses of each of several versions, as their lifecycle reports them, read
   * together, keyed `model/version` (a version deleted meanwhile is absent).
   */
  requirements: (
    versions: { model: string; version: number }[],
  ) => Promise<Map<string, { assessed: boolean; requirements: { measure: string; status: string }[] }>>;
  /** The active policy pack (targets, owner, the measures' considerations). */
  activePack: () => Promise<PolicyPack | null>;
  sources: KpiSource[];
  /** Versions whose requirements are computed at once (memory stays bounded at any inventory size). */
  pageSize?: number;
  /**
   * Up to this many governed versions, reads compute the requirement KPIs live; beyond it they show
   * the latest snapshot's (each version's requirements take milliseconds: a daily job's work, not a
   * page load's). Default 2,000.
   */
  liveLimit?: number;
}

/** The requirement-based KPIs and each person's evidence completeness, and where they came from. */
export interface RequirementKpis {
  values: KpiValue[];
  /** user id → [satisfied, total] over the versions they registered */
  byPerson: Record<string, [number, number]>;
  /** `live`, or the day of the snapshot they were taken from */
  computed: 'live' | string | null;
}

const teamValues = (kpi: KpiId, rows: TeamShare[]): KpiValue[] => {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    num += r.numerator;
    den += r.denominator;
  }
  return [
    { kpi, team: '*', value: share(num, den), numerator: num, denominator: den },
    ...rows.map((r) => ({
      kpi,
      team: r.team,
      value: share(r.numerator, r.denominator),
      numerator: r.numerator,
      denominator: r.denominator,
    })),
  ];
};

const countValues = (kpi: KpiId, rows: TeamCount[], detail?: Record<string, unknown>): KpiValue[] => [
  { kpi, team: '*', value: rows.reduce((a, r) => a + r.count, 0), ...(detail ? { detail } : {}) },
  ...rows.map((r) => ({ kpi, team: r.team, value: r.count })),
];

const round = (v: number | null, digits = 2) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Median and p90 per group of durations. */
const spread = (values: number[]) => ({
  n: values.length,
  median: round(quantile(values, 0.5)),
  p90: round(quantile(values, 0.9)),
});

const group = <T>(rows: T[], key: (r: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
};

/**
 * The governance programme's KPIs: computed on demand, snapshotted once a day as a time series,
 * judged against the pack's targets (a missed target raises an alert to the programme's owner).
 */
export function createKpiService(deps: KpiDeps) {
  const { db, repo, clock } = deps;
  const pageSize = deps.pageSize ?? 500;

  /** Every governed version's requirement statuses, a page at a time. */
  async function requirementPass(pack: PolicyPack | null): Promise<RequirementTally[]> {
    const consideration = new Map((pack?.measures ?? []).map((m) => [m.id, m.consideration]));
    const out: RequirementTally[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await repo.governedVersions(db, after, pageSize);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      // A page's versions are judged together: a fixed number of reads per page.
      const judged = await deps.requirements(page.map((v) => ({ model: v.model, version: v.version })));
      for (const v of page) {
        const r = judged.get(`${v.model}/${v.version}`);
        if (!r?.assessed) continue;
        const tally: RequirementTally = {
          team: v.team,
          createdBy: v.created_by,
          tier: v.tier,
          satisfied: 0,
          total: 0,
          byConsideration: {},
        };
        for (const q of r.requirements) {
          const ok = q.status === 'satisfied' || q.status === 'waived';
          tally.total++;
          if (ok) tally.satisfied++;
          const c = consideration.get(q.measure) ?? 'other';
          const slot = (tally.byConsideration[c] ??= [0, 0]);
          slot[1]++;
          if (ok) slot[0]++;
        }
        out.push(tally);
      }
      if (page.length < pageSize) break;
    }
    return out;
  }

  function requirementKpis(tallies: RequirementTally[]): KpiValue[] {
    const highRisk = group(
      tallies.filter((t) => t.tier >= 3),
      (t) => t.team,
    );
    const compliance = teamValues(
      'high-risk-compliance',
      [...highRisk].map(([team, ts]) => ({
        team,
        numerator: ts.filter((t) => t.total > 0 && t.satisfied === t.total).length,
        denominator: ts.length,
      })),
    );
    const byTeam = group(tallies, (t) => t.team);
    const coverage = teamValues(
      'evidence-coverage',
      [...byTeam].map(([team, ts]) => ({
        team,
        numerator: ts.reduce((a, t) => a + t.satisfied, 0),
        denominator: ts.reduce((a, t) => a + t.total, 0),
      })),
    );
    const considerations: Record<string, { satisfied: number; total: number; share: number | null }> = {};
    for (const t of tallies)
      for (const [c, [s, n]] of Object.entries(t.byConsideration)) {
        const slot = (considerations[c] ??= { satisfied: 0, total: 0, share: null });
        slot.satisfied += s;
        slot.total += n;
      }
    for (const slot of Object.values(considerations)) slot.share = round(share(slot.satisfied, slot.total), 4);
    coverage[0]!.detail = { byConsideration: considerations, byPerson: personTallies(tallies) };
    return [...compliance, ...coverage];
  }

  const personTallies = (tallies: RequirementTally[]) => {
    const out: Record<string, [number, number]> = {};
    for (const t of tallies) {
      if (!t.createdBy) continue;
      const slot = (out[t.createdBy] ??= [0, 0]);
      slot[0] += t.satisfied;
      slot[1] += t.total;
    }
    return out;
  };

  const REQUIREMENT_KPIS = new Set(['high-risk-compliance', 'evidence-coverage']);

  /** The requirement KPIs now: live for a small inventory, else the latest snapshot's (or none before the first). */
  async function requirementKpisNow(pack: PolicyPack | null): Promise<RequirementKpis> {
    if ((await repo.governedCount(db)) <= (deps.liveLimit ?? 2000)) {
      const values = requirementKpis(await requirementPass(pack));
      const { byPerson, ...detail } = (values.find((v) => v.kpi === 'evidence-coverage' && v.team === '*')?.detail ??
        {}) as { byPerson?: Record<string, [number, number]> };
      for (const v of values) if (v.kpi === 'evidence-coverage' && v.team === '*') v.detail = detail;
      return { values, byPerson: byPerson ?? {}, computed: 'live' };
    }
    const day = await repo.latestDay(db);
    if (!day) return { values: [], byPerson: {}, computed: null };
    const rows = (await repo.history(db, day, day)).filter((r) => REQUIREMENT_KPIS.has(r.kpi));
    let byPerson: Record<string, [number, number]> = {};
    const values = rows.map((r) => {
      const { byPerson: people, ...detail } = JSON.parse(r.detail) as Record<string, unknown>;
      if (people) byPerson = people as Record<string, [number, number]>;
      return {
        kpi: r.kpi as KpiId,
        team: r.team,
        value: r.value,
        numerator: r.numerator,
        denominator: r.denominator,
        detail: { ...detail, computedOn: day },
      };
    });
    return { values, byPerson, computed: day };
  }

  async function promotionKpis(now: Date): Promise<KpiValue[]> {
    const rows = await repo.decidedPromotions(db, new Date(now.getTime() - 90 * DAY_MS).toISOString());
    const hours = (r: (typeof rows)[number]) => (Date.parse(r.decided_at) - Date.parse(r.requested_at)) / HOUR_MS;
    const byTier = Object.fromEntries(
      [...group(rows, (r) => (r.tier === null ? 'none' : String(r.tier)))].map(([tier, rs]) => [
        tier,
        spread(rs.map(hours)),
      ]),
    );
    const out: KpiValue[] = [];
    for (const [kpi, q] of [
      ['promotion-decision-median-hours', 0.5],
      ['promotion-decision-p90-hours', 0.9],
    ] as const) {
      out.push({
        kpi,
        team: '*',
        value: round(quantile(rows.map(hours), q)),
        denominator: rows.length,
        detail: { byTier },
      });
      for (const [team, rs] of group(rows, (r) => r.team))
        out.push({ kpi, team, value: round(quantile(rs.map(hours), q)), denominator: rs.length });
    }
    return out;
  }

  async function incidentKpis(now: Date): Promise<KpiValue[]> {
    const nowIso = now.toISOString();
    const since = new Date(now.getTime() - 365 * DAY_MS).toISOString();
    const rows = await repo.incidents(db, since);
    const late = (r: (typeof rows)[number]) =>
      r.report_due_at !== null &&
      (r.reported_at !== null ? r.reported_at > r.report_due_at : r.report_due_at < nowIso) &&
      (r.reported_at === null || r.reported_at >= since || r.report_due_at >= since);
    const reportHours = (rs: typeof rows) =>
      rs
        .filter((r) => r.reported_at !== null && r.reported_at >= since)
        .map((r) => (Date.parse(r.reported_at!) - Date.parse(r.aware_at)) / HOUR_MS);
    const closeDays = (rs: typeof rows) =>
      rs
        .filter((r) => r.closed_at !== null && r.closed_at >= since)
        .map((r) => (Date.parse(r.closed_at!) - Date.parse(r.opened_at)) / DAY_MS);
    const teams = group(rows, (r) => r.team);
    const out: KpiValue[] = [
      ...countValues(
        'incidents-late',
        [...teams].map(([team, rs]) => ({ team, count: rs.filter(late).length })),
      ),
    ];
    for (const [team, rs] of [['*', rows] as const, ...teams]) {
      const rh = reportHours(rs);
      const cd = closeDays(rs);
      out.push({ kpi: 'incident-report-median-hours', team, value: round(quantile(rh, 0.5)), denominator: rh.length });
      out.push({ kpi: 'incident-close-median-days', team, value: round(quantile(cd, 0.5)), denominator: cd.length });
    }
    return out;
  }

  /** Open findings per team, with the organisation's by severity and age. */
  async function findingKpis(now: Date): Promise<KpiValue[]> {
    const rows = await repo.openFindings(db);
    const bySeverity: Record<string, number> = {};
    const byAge: Record<string, number> = {};
    for (const r of rows) {
      bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + 1;
      const age = ageBucket((now.getTime() - Date.parse(r.raised_at)) / DAY_MS);
      byAge[age] = (byAge[age] ?? 0) + 1;
    }
    return countValues(
      'open-findings',
      [...group(rows, (r) => r.team)].map(([team, rs]) => ({ team, count: rs.length })),
      { bySeverity, byAge },
    );
  }

  /**
   * Training currency: people whose roles require trainings and hold every one current, per team
   * of their role assignments (each person counted once for the organisation).
   */
  async function trainingKpis(now: Date, pack: PolicyPack | null): Promise<KpiValue[]> {
    if (!pack?.trainings?.courses?.length) return [];
    const [holders, latest] = await Promise.all([repo.roleHolders(db), repo.latestCompletions(db)]);
    const tallies = trainingTallies(pack, holders, latest, now.toISOString().slice(0, 10));
    const people = new Map<string, boolean>();
    for (const t of tallies) people.set(t.person, (people.get(t.person) ?? true) && t.current === t.required);
    const org = [...people.values()];
    const teams = [
      ...group(
        tallies.filter((t) => t.team !== '*'),
        (t) => t.team,
      ),
    ].map(([team, ts]) => ({
      team,
      numerator: ts.filter((t) => t.current === t.required).length,
      denominator: ts.length,
    }));
    const values = teamValues('training-currency', teams);
    values[0] = {
      kpi: 'training-currency',
      team: '*',
      value: share(org.filter(Boolean).length, org.length),
      numerator: org.filter(Boolean).length,
      denominator: org.length,
    };
    return values;
  }

  /**
   * Every KPI as of now. `full` computes the requirement KPIs over every governed version (the
   * snapshot); otherwise they are live only for a small inventory (see `liveLimit`).
   */
  async function compute(
    full: boolean,
    pack: PolicyPack | null,
  ): Promise<{ at: Date; values: KpiValue[]; requirements: RequirementKpis }> {
    const at = clock.now();
    const now = at.toISOString();
    const [
      deployed,
      monitored,
      promotions,
      reviews,
      overdue,
      stale,
      assessments,
      incidents,
      findings,
      trainings,
      discoveries,
      requirements,
      ...sourced
    ] = await Promise.all([
      repo.deployedCoverage(db, now),
      repo.monitoringCoverage(db, new Date(at.getTime() - 7 * DAY_MS).toISOString()),
      promotionKpis(at),
      repo.overdueTasks(db, now, ['review', 're-review', 'signoff']),
      repo.overdueTasks(db, now),
      repo.staleApprovals(db),
      repo.overdueAssessments(db, now),
      incidentKpis(at),
      findingKpis(at),
      trainingKpis(at, pack),
      repo.untriagedDiscoveries(db),
      full
        ? requirementPass(pack).then((t) => ({ values: requirementKpis(t), byPerson: {}, computed: 'live' }))
        : requirementKpisNow(pack),
      ...deps.sources.map((s) => s(at)),
    ]);
    const values = [
      ...teamValues('inventory-coverage', deployed),
      ...requirements.values,
      ...promotions,
      ...countValues('overdue-reviews', reviews),
      ...countValues('overdue-tasks', overdue),
      ...countValues('overdue-assessments', assessments),
      ...countValues('stale-approvals', stale),
      ...incidents,
      ...findings,
      ...trainings,
      {
        kpi: 'discovery-untriaged' as const,
        team: '*',
        value: discoveries.reduce((a, d) => a + d.count, 0),
        detail: { bySource: Object.fromEntries(discoveries.map((d) => [d.source, d.count])) },
      },
      ...teamValues('monitoring-coverage', monitored),
      ...sourced.flat(),
    ];
    const order = new Map(KPIS.map((k, i) => [k.id, i]));
    values.sort((a, b) =>
      a.kpi !== b.kpi
        ? order.get(a.kpi)! - order.get(b.kpi)!
        : a.team === '*'
          ? -1
          : b.team === '*'
            ? 1
            : a.team < b.team
              ? -1
              : 1,
    );
    return { at, values, requirements };
  }

  const targetsOf = (pack: PolicyPack | null): KpiTarget[] => (pack?.programme?.kpis ?? []) as KpiTarget[];

  /** Raises an alert for each organisation-wide KPI that misses its target; resolves those met again. */
  async function judge(ctx: RequestContext, values: KpiValue[], day: string, pack: PolicyPack | null) {
    const owner = pack?.programme?.owner ?? { team: '*', role: 'risk-audit' };
    const targets = targetsOf(pack);
    const open = new Map((await repo.openAlerts(db)).map((a) => [a.kpi, a]));
    const at = clock.now().toISOString();
    const opened: string[] = [];
    const resolved: string[] = [];
    await deps.transact(async (tx) => {
      for (const t of targets) {
        const v = values.find((x) => x.kpi === t.kpi && x.team === '*');
        if (!v) continue;
        const alert = open.get(t.kpi);
        if (missesTarget(v.value, t)) {
          if (alert) continue;
          const id = deps.ids.next();
          const row = {
            id,
            kpi: t.kpi,
            state: 'open' as const,
            value: v.value,
            comparator: t.comparator,
            target: t.target,
            owner_team: owner.team,
            owner_role: owner.role,
            opened_day: day,
            opened_at: at,
            resolved_at: null,
            open_key: t.kpi,
          };
          if (!(await repo.openAlert(tx, row))) continue;
          opened.push(t.kpi);
          await deps.audit.append(tx, ctx, {
            action: 'governance.kpi-target-missed',
            subject: { type: 'kpi', id: t.kpi },
            after: { alert: id, value: v.value, comparator: t.comparator, target: t.target, owner, day },
          });
        } else if (alert) {
          await repo.resolveAlert(tx, alert.id, at);
          resolved.push(t.kpi);
          await deps.audit.append(tx, ctx, {
            action: 'governance.kpi-target-met',
            subject: { type: 'kpi', id: t.kpi },
            after: { alert: alert.id, value: v.value, comparator: t.comparator, target: t.target, day },
          });
        }
      }
    });
    return { opened, resolved };
  }

  const toRows = (values: KpiValue[], day: string, takenAt: string): KpiSnapshotTable[] =>
    values.map((v) => ({
      day,
      kpi: v.kpi,
      team: v.team,
      value: v.value,
      numerator: v.numerator ?? null,
      denominator: v.denominator ?? null,
      detail: JSON.stringify(v.detail ?? {}),
      taken_at: takenAt,
      source: 'computed',
    }));

  return {
    requirementKpisNow,

    /** The KPIs now, the pack's targets beside them, and the alerts open on missed targets. */
    async current() {
      const pack = await deps.activePack();
      const { at, values, requirements } = await compute(false, pack);
      const targets = targetsOf(pack);
      return {
        at: at.toISOString(),
        values: values.map((v) => {
          const t = targets.find((x) => x.kpi === v.kpi);
          return { ...v, ...(t && v.team === '*' ? { target: t, missed: missesTarget(v.value, t) } : {}) };
        }),
        targets,
        alerts: await repo.openAlerts(db),
        requirementsComputed: requirements.computed,
      };
    },

    /**
     * Takes the day's snapshot: stored once per day (a replica that comes second keeps the first
     * one's values) unless `replace` (an on-demand snapshot refreshes today's), then judged
     * against the pack's targets. Audited when asked for by a person.
     */
    async snapshot(ctx: RequestContext, opts: { replace: boolean }) {
      const pack = await deps.activePack();
      const { at, values } = await compute(true, pack);
      const day = at.toISOString().slice(0, 10);
      const takenAt = at.toISOString();
      await deps.transact(async (tx) => {
        await repo.writeSnapshot(tx, toRows(values, day, takenAt), opts.replace);
        if (opts.replace)
          await deps.audit.append(tx, ctx, {
            action: 'governance.kpi-snapshot',
            subject: { type: 'kpi-snapshot', id: day },
            after: { day, values: values.filter((v) => v.team === '*').length },
          });
      });
      const alerts = await judge(ctx, values, day, pack);
      return { day, takenAt, kpis: values.filter((v) => v.team === '*').length, rows: values.length, alerts };
    },

    /** Whether today's snapshot was taken. */
    takenToday: () => repo.hasSnapshot(db, clock.now().toISOString().slice(0, 10)),

    /** The KPI history between two days (inclusive), for one team or the organisation ('*'). */
    async history(q: { from: string; to: string; team?: string; kpi?: string }) {
      if (q.from > q.to)
        throw new DomainError('validation_failed', '`from` is after `to`', {
          errors: [{ pointer: '/from', message: 'must not be after `to`' }],
        });
      const rows = await repo.history(db, q.from, q.to, q.team ?? '*', q.kpi);
      return rows.map((r) => ({
        day: r.day,
        kpi: r.kpi as KpiId,
        team: r.team,
        value: r.value,
        numerator: r.numerator,
        denominator: r.denominator,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        source: r.source,
      }));
    },

    /** Alerts open on missed targets, oldest first. */
    openAlerts: () => repo.openAlerts(db),

    /** Alerts raised on missed targets, newest first. */
    alerts: (limit = 100) => repo.alerts(db, limit),
  };
}

export type KpiService = ReturnType<typeof createKpiService>;
