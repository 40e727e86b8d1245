// Alerts raised by monitoring rules (open -> acknowledged -> resolved, each with who and when),
// their notifications and tasks along the RACI's monitoring row, their effect on approvals, and
// incidents escalated from them with the EU AI Act Art. 73 reporting clock.

import { createHash } from 'node:crypto';
import type { Emit } from '../../events.ts';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { AlertTable, EvidenceTable, IncidentTable, TaskTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { art73Deadline, type Art73Category, type RuleOutcome } from '../../domain/monitoring/alerts.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { authorize } from '../common/authorize.ts';
import type { EvidenceRepo } from '../evidence/evidence.repo.ts';
import { lockRows } from '../../db/locks.ts';
import type { AlertViewsRepo } from './alert-views.repo.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';

export interface AlertSubject {
  useCaseId: string;
  team: string;
  versionId: string | null;
  /** model/version, for messages. */
  label: string;
}

export interface AlertsDeps extends CommandDeps {
  repo: MonitoringRepo;
  views: AlertViewsRepo;
  evidence: Pick<EvidenceRepo, 'insert'>;
  /** The pack and EU AI Act category of a use case's current assessment. */
  assessment: (exec: Executor, useCaseId: string) => Promise<{ pack: PolicyPack; euAiAct: string } | null>;
  useCaseTeam: (exec: Executor, useCaseId: string) => Promise<string | undefined>;
  createTasks: (
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ) => Promise<TaskTable[]>;
  /** Emits `evidence.recorded`: a monitor configuration or an alert is evidence of the version. */
  events: Emit;
}

export interface Alert {
  id: string;
  useCaseId: string;
  versionId: string | null;
  rule: string;
  metric: string;
  comparator: string;
  threshold: number;
  severity: string;
  value: number | null;
  window: string | null;
  state: string;
  openedAt: string;
  lastSeenAt: string;
  acknowledged: { at: string; by: string | null } | null;
  resolved: { at: string; by: string | null } | null;
  note: string | null;
}

/** An alert as people read it: its subject by name, and the incident it was escalated to. */
export interface NamedAlert extends Alert {
  useCase: string | null;
  /** The team owning the use case. */
  team?: string;
  model: string | null;
  version: number | null;
  incident: { id: string; title: string; severity: string; state: string } | null;
}

const toAlert = (a: AlertTable): Alert => ({
  id: a.id,
  useCaseId: a.use_case_id,
  versionId: a.model_version_id,
  rule: a.rule_id,
  metric: a.metric,
  comparator: a.comparator,
  threshold: a.threshold,
  severity: a.severity,
  value: a.value,
  window: a.window_start_ms === null ? null : new Date(a.window_start_ms).toISOString(),
  state: a.state,
  openedAt: a.opened_at,
  lastSeenAt: a.last_seen_at,
  acknowledged: a.acknowledged_at ? { at: a.acknowledged_at, by: a.acknowledged_by } : null,
  resolved: a.resolved_at ? { at: a.resolved_at, by: a.resolved_by } : null,
  note: a.note,
});

export interface Incident {
  id: string;
  useCaseId: string;
  versionId: string | null;
  alertId: string | null;
  title: string;
  description: string;
  severity: string;
  category: string | null;
  awareAt: string;
  /** Art. 73 reporting deadline (high-risk use cases with a category), and whether it passed unreported. */
  reportDueAt: string | null;
  overdue: boolean;
  reported: { at: string; by: string | null; reference: string | null } | null;
  state: string;
  openedAt: string;
  closed: { at: string; by: string | null } | null;
}

const DRIFT_OR_DECAY = /^(drift\.|performance\.)/;

export function createAlertsService(deps: AlertsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  const toIncident = (i: IncidentTable): Incident => ({
    id: i.id,
    useCaseId: i.use_case_id,
    versionId: i.model_version_id,
    alertId: i.alert_id,
    title: i.title,
    description: i.description,
    severity: i.severity,
    category: i.category,
    awareAt: i.aware_at,
    reportDueAt: i.report_due_at,
    overdue: i.report_due_at !== null && i.reported_at === null && i.report_due_at < clock.now().toISOString(),
    reported: i.reported_at ? { at: i.reported_at, by: i.reported_by, reference: i.report_reference } : null,
    state: i.state,
    openedAt: i.opened_at,
    closed: i.closed_at ? { at: i.closed_at, by: i.closed_by } : null,
  });

  async function named(rows: AlertTable[]): Promise<NamedAlert[]> {
    const [names, incidents] = await Promise.all([
      deps.views.subjectNames(db, rows),
      deps.views.incidentsOfAlerts(
        db,
        rows.map((r) => r.id),
      ),
    ]);
    return rows.map((r) => {
      const v = r.model_version_id ? names.versions.get(r.model_version_id) : undefined;
      const i = incidents.get(r.id);
      return {
        ...toAlert(r),
        useCase: names.useCases.get(r.use_case_id) ?? null,
        team: names.teams.get(r.use_case_id),
        model: v?.model ?? null,
        version: v?.version ?? null,
        incident: i ? { id: i.id, title: i.title, severity: i.severity, state: i.state } : null,
      };
    });
  }

  /** Tasks for the Responsible/Accountable of the RACI's monitoring rows; who to tell (Consulted/Informed). */
  async function routeToRaci(
    tx: Tx,
    subject: AlertSubject,
    pack: PolicyPack | null,
    title: string,
    details: Record<string, unknown>,
  ) {
    if (!pack) return { tasks: [] as TaskTable[], notify: [] as { role: string; raci: string }[] };
    const rows = pack.raci.filter((r) => r.task === 'monitoring' || r.step === 'monitoring');
    const step = rows[0]?.step ?? pack.steps[pack.steps.length - 1]!.id;
    const specs: TaskSpec[] = [];
    const notify: { role: string; raci: string }[] = [];
    for (const row of rows) {
      for (const [role, letter] of Object.entries(row.roles)) {
        if (letter === 'C' || letter === 'I') notify.push({ role, raci: letter });
        else if (letter) specs.push({ kind: 'raci', title, role, raci: letter, details });
      }
    }
    const target = subject.versionId
      ? { type: 'model-version' as const, id: subject.versionId, team: subject.team }
      : { type: 'use-case' as const, id: subject.useCaseId, team: subject.team };
    return { tasks: await deps.createTasks(tx, target, pack, step, specs), notify };
  }

  async function open(
    tx: Tx,
    ctx: RequestContext,
    subject: AlertSubject,
    o: RuleOutcome,
    windowStartMs: number | null,
    key: string,
  ): Promise<void> {
    const now = clock.now().toISOString();
    const row: AlertTable = {
      id: ids.next(),
      use_case_id: subject.useCaseId,
      model_version_id: subject.versionId,
      rule_id: o.rule.id,
      metric: o.metric,
      comparator: o.rule.comparator,
      threshold: o.rule.threshold,
      severity: o.rule.severity,
      value: o.value,
      window_start_ms: windowStartMs,
      state: 'open',
      opened_at: now,
      last_seen_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      note: null,
      open_key: key,
    };
    // Another transaction opened it first (PostgreSQL, concurrent windows or KPI batches): refresh instead.
    if (!(await repo.insertAlert(tx, row))) {
      const other = await repo.alertByOpenKey(tx, key);
      if (other) await repo.updateAlert(tx, other.id, { value: o.value, last_seen_at: now });
      return;
    }
    const assessment = await deps.assessment(tx, subject.useCaseId);
    const title = `Alert (${o.rule.severity}): ${o.rule.title ?? o.rule.id} on ${subject.label}: ${o.metric} = ${o.value} ${o.rule.comparator} ${o.rule.threshold}`;
    const routed = await routeToRaci(tx, subject, assessment?.pack ?? null, title, {
      alert: row.id,
      metric: o.metric,
      value: o.value,
    });
    await audit.append(tx, ctx, {
      action: 'alert.open',
      subject: subject.versionId
        ? { type: 'model-version', id: subject.versionId }
        : { type: 'use-case', id: subject.useCaseId },
      after: {
        alert: toAlert(row),
        team: subject.team,
        tasks: routed.tasks.map((t) => ({ id: t.id, role: t.role, raci: t.raci })),
        notify: routed.notify,
      },
    });
    // Drift and decay put the evidence an approval rested on in doubt: recorded as evidence of the
    // version, the approvals covering the old state go stale and re-review tasks open.
    if (subject.versionId && DRIFT_OR_DECAY.test(o.metric)) {
      const result = {
        alert: row.id,
        rule: o.rule.id,
        metric: o.metric,
        value: o.value,
        comparator: o.rule.comparator,
        threshold: o.rule.threshold,
        severity: o.rule.severity,
        window: windowStartMs === null ? null : new Date(windowStartMs).toISOString(),
      };
      const e: EvidenceTable = {
        id: ids.next(),
        model_version_id: subject.versionId,
        kind: 'monitoring-alert',
        content_hash: `sha256:${createHash('sha256')
          .update(canonicalize({ kind: 'monitoring-alert', result }))
          .digest('hex')}`,
        artifact_digest: null,
        data_digest: null,
        spec: canonicalize({ rule: o.rule }),
        engine: 'steward-monitoring/1',
        result: canonicalize(result),
        metrics: '{}',
        created_at: now,
        created_by: null,
      };
      await deps.evidence.insert(tx, e);
      await deps.events.emit(tx, 'evidence.recorded', { ctx, versionId: subject.versionId });
    }
  }

  async function transition(
    ctx: RequestContext,
    id: string,
    to: 'acknowledged' | 'resolved',
    note: string | undefined,
  ): Promise<NamedAlert> {
    const done = await transact(async (tx) => {
      const a = await repo.alert(tx, id);
      if (!a) throw notFound('alert', id);
      const team = await deps.useCaseTeam(tx, a.use_case_id);
      authorize(ctx, 'alert:write', team!);
      if (a.state === 'resolved') throw new DomainError('conflict', `alert ${id} is already resolved`);
      if (to === 'acknowledged' && a.state === 'acknowledged')
        throw new DomainError('conflict', `alert ${id} is already acknowledged`);
      const now = clock.now().toISOString();
      const set: Partial<AlertTable> =
        to === 'acknowledged'
          ? { state: to, acknowledged_at: now, acknowledged_by: actorId(ctx) }
          : { state: to, resolved_at: now, resolved_by: actorId(ctx), open_key: null };
      if (note !== undefined) set.note = note;
      await repo.updateAlert(tx, id, set);
      const after = toAlert({ ...a, ...set });
      await audit.append(tx, ctx, {
        action: to === 'acknowledged' ? 'alert.acknowledge' : 'alert.resolve',
        subject: { type: 'alert', id },
        before: { state: a.state },
        after,
      });
      return { ...a, ...set };
    });
    return (await named([done]))[0]!;
  }

  return {
    /**
     * Applies rule outcomes for a subject: a firing rule opens an alert (or refreshes the open one),
     * a rule no longer firing resolves its open alert (by the system, with the value that cleared it).
     */
    async apply(
      tx: Tx,
      ctx: RequestContext,
      subject: AlertSubject,
      outcomes: RuleOutcome[],
      windowStartMs: number | null,
      scope?: { families: string[]; rules: string[] },
    ): Promise<void> {
      const now = clock.now().toISOString();
      const resolve = async (existing: AlertTable, value: number | null, note: string) => {
        const set = { state: 'resolved', resolved_at: now, resolved_by: null, open_key: null, value, note };
        await repo.updateAlert(tx, existing.id, set);
        await audit.append(tx, ctx, {
          action: 'alert.resolve',
          subject: { type: 'alert', id: existing.id },
          before: { state: existing.state },
          after: toAlert({ ...existing, ...set }),
        });
      };
      const seen = new Set<string>();
      for (const o of outcomes) {
        const key = `${subject.versionId ?? subject.useCaseId}:${o.rule.id}:${o.metric}`;
        seen.add(key);
        const existing = await repo.alertByOpenKey(tx, key);
        if (o.firing && !existing) await open(tx, ctx, subject, o, windowStartMs, key);
        else if (o.firing && existing)
          await repo.updateAlert(tx, existing.id, {
            value: o.value,
            last_seen_at: now,
            severity: o.rule.severity,
            window_start_ms: windowStartMs,
          });
        else if (!o.firing && existing) await resolve(existing, o.value, `cleared: ${o.metric} = ${o.value}`);
      }
      // Within the families just decided, an open alert whose rule or metric is no longer
      // produced (a rule removed, a feature no longer monitored) resolves instead of lingering.
      if (scope && subject.versionId) {
        for (const a of await repo.alerts(
          tx,
          { versionId: subject.versionId, states: ['open', 'acknowledged'] },
          10_000,
        )) {
          if (a.open_key && !seen.has(a.open_key) && scope.families.includes(a.metric.split('.')[0]!)) {
            await resolve(
              a,
              a.value,
              scope.rules.includes(a.rule_id)
                ? `cleared: ${a.metric} is no longer monitored`
                : `cleared: rule ${a.rule_id} no longer applies`,
            );
          }
        }
      }
    },

    acknowledge: (ctx: RequestContext, id: string, note?: string) => transition(ctx, id, 'acknowledged', note),
    resolve: (ctx: RequestContext, id: string, note?: string) => transition(ctx, id, 'resolved', note),

    async get(id: string): Promise<NamedAlert> {
      const a = await repo.alert(db, id);
      if (!a) throw notFound('alert', id);
      return (await named([a]))[0]!;
    },

    async list(
      where: { versionId?: string; useCaseId?: string; states?: string[] },
      limit: number,
      after?: string,
    ): Promise<{ items: NamedAlert[]; nextCursor: string | null }> {
      const rows = await repo.alerts(db, where, limit + 1, after);
      const page = rows.slice(0, limit);
      return { items: await named(page), nextCursor: rows.length > limit ? page.at(-1)!.id : null };
    },

    /** Opens an incident on a use case, or escalates an alert into one. */
    async openIncident(
      ctx: RequestContext,
      from: { alertId?: string; useCaseId?: string },
      body: { title: string; description: string; severity: string; category?: string; awareAt?: string },
    ): Promise<Incident> {
      return transact(async (tx) => {
        let useCaseId = from.useCaseId;
        let versionId: string | null = null;
        if (from.alertId) {
          // The alert's row lock serialises escalations of one alert (a double click, two people):
          // the second waits, then finds the first one's incident.
          await lockRows(tx, 'alerts', 'state').where('id', '=', from.alertId).execute();
          const a = await repo.alert(tx, from.alertId);
          if (!a) throw notFound('alert', from.alertId);
          useCaseId = a.use_case_id;
          versionId = a.model_version_id;
        }
        const team = await deps.useCaseTeam(tx, useCaseId!);
        if (!team) throw notFound('use case', useCaseId!);
        authorize(ctx, 'alert:write', team);
        const existing = from.alertId ? await deps.views.openIncidentOfAlert(tx, from.alertId) : undefined;
        if (existing)
          throw new DomainError(
            'conflict',
            `this alert was already escalated to incident '${existing.title}' (${existing.severity}, ${existing.state}); follow that one, or close it before opening another`,
            { extra: { incident: { id: existing.id, title: existing.title, state: existing.state } } },
          );
        const assessment = await deps.assessment(tx, useCaseId!);
        if (body.category && assessment?.euAiAct !== 'high-risk') {
          throw new DomainError(
            'validation_failed',
            `Art. 73 serious-incident reporting applies to high-risk AI systems; this use case is classified '${assessment?.euAiAct ?? 'unassessed'}' under the EU AI Act`,
            { errors: [{ pointer: '/category', message: 'only for high-risk use cases' }] },
          );
        }
        const now = clock.now();
        const awareAt = body.awareAt ?? now.toISOString();
        if (Date.parse(awareAt) > now.getTime())
          throw new DomainError('validation_failed', 'awareAt lies in the future', {
            errors: [{ pointer: '/awareAt', message: 'in the future' }],
          });
        const row: IncidentTable = {
          id: ids.next(),
          use_case_id: useCaseId!,
          model_version_id: versionId,
          alert_id: from.alertId ?? null,
          title: body.title,
          description: body.description,
          severity: body.severity,
          category: body.category ?? null,
          aware_at: awareAt,
          report_due_at: body.category
            ? art73Deadline(new Date(awareAt), body.category as Art73Category).toISOString()
            : null,
          reported_at: null,
          reported_by: null,
          report_reference: null,
          state: 'open',
          opened_at: now.toISOString(),
          opened_by: actorId(ctx),
          closed_at: null,
          closed_by: null,
        };
        await repo.insertIncident(tx, row);
        const incident = toIncident(row);
        await audit.append(tx, ctx, {
          action: 'incident.open',
          subject: { type: 'use-case', id: useCaseId! },
          after: incident,
        });
        return incident;
      });
    },

    async updateIncident(
      ctx: RequestContext,
      id: string,
      change: { report?: { reference?: string }; close?: true },
    ): Promise<Incident> {
      return transact(async (tx) => {
        const i = await repo.incident(tx, id);
        if (!i) throw notFound('incident', id);
        authorize(ctx, 'alert:write', (await deps.useCaseTeam(tx, i.use_case_id))!);
        if (i.state === 'closed') throw new DomainError('conflict', `incident ${id} is closed`);
        const now = clock.now().toISOString();
        let set: Partial<IncidentTable>;
        if (change.report) {
          if (i.reported_at)
            throw new DomainError('conflict', `incident ${id} was already reported on ${i.reported_at}`);
          set = {
            reported_at: now,
            reported_by: actorId(ctx),
            report_reference: change.report.reference ?? null,
            state: 'reported',
          };
        } else set = { closed_at: now, closed_by: actorId(ctx), state: 'closed' };
        await repo.updateIncident(tx, id, set);
        const after = toIncident({ ...i, ...set });
        await audit.append(tx, ctx, {
          action: change.report ? 'incident.report' : 'incident.close',
          subject: { type: 'incident', id },
          before: { state: i.state },
          after,
        });
        return after;
      });
    },

    async incident(id: string): Promise<Incident> {
      const i = await repo.incident(db, id);
      if (!i) throw notFound('incident', id);
      return toIncident(i);
    },

    /** Incidents newest first, each with its use case's team (the console says who may act on it). */
    async incidents(
      where: { useCaseId?: string; open?: boolean },
      limit: number,
    ): Promise<(Incident & { team?: string })[]> {
      const rows = await repo.incidents(db, where, limit);
      const { teams } = await deps.views.subjectNames(db, rows);
      return rows.map((i) => ({ ...toIncident(i), team: teams.get(i.use_case_id) }));
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
