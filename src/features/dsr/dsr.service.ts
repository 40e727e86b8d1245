import { actorId, type RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import type { DataSubjectRequestTable } from '../../db/schema-dsr.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import {
  addMonths,
  columnHolds,
  dsrWork,
  isDay,
  isOverdue,
  MAX_EXTENSION_MONTHS,
  type DsrStatus,
  type DsrType,
} from '../../domain/dsr.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { conflict, DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { DsrRepo } from './dsr.repo.ts';

export interface DsrDeps extends CommandDeps {
  repo: DsrRepo;
  /** The policy pack that governs a use case (its tasks fall due by the pack's first step). */
  pack: (exec: Executor, useCaseId: string) => Promise<PolicyPack | null>;
  /** Opens tasks on a use case (the lifecycle's tasks). */
  createTasks: (
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ) => Promise<TaskTable[]>;
}

export interface TracedDatasetVersion {
  id: string;
  dataset: string;
  version: number;
  ownerTeam: string;
  legalRegion: string;
  /** The personal-data columns that hold the category (of the version's own dataset, or its source's). */
  columns: { name: string; piiKind: string }[];
  /** `dataset@version` this version was derived from, when it holds the data through lineage. */
  derivedFrom: string | null;
}

export interface TracedModelVersion {
  id: string;
  model: string;
  version: number;
  useCaseId: string;
  useCase: string;
  team: string;
  datasets: { dataset: string; version: number; role: string }[];
}

export interface Trace {
  datasetVersions: TracedDatasetVersion[];
  modelVersions: TracedModelVersion[];
  tasks: { id: string; kind: string; title: string; team: string; role: string; useCaseId: string }[];
}

export interface DataSubjectRequest {
  id: string;
  subjectRef: string;
  type: DsrType;
  category: string;
  receivedOn: string;
  dueOn: string;
  overdue: boolean;
  status: DsrStatus;
  extension: { reason: string; at: string } | null;
  closed: { at: string; by: string | null; reason: string } | null;
  notes: string;
  trace: Trace;
  createdAt: string;
  createdBy: string | null;
}

export interface CreateInput {
  subjectRef: string;
  type: DsrType;
  category: string;
  receivedOn: string;
  notes?: string;
}

const PERMISSION = 'policy:admin';
/** How deep derived datasets are followed (lineage chains are short; this bounds a cycle). */
const MAX_LINEAGE_DEPTH = 20;

/**
 * Data-subject requests: recorded by the data-protection officer, traced to the dataset versions
 * that hold the category of data and the model versions trained or evaluated on them, turned into
 * tasks for the teams that own those models, and tracked to closure.
 */
export function createDsrService(deps: DsrDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;
  const today = () => clock.now().toISOString().slice(0, 10);

  function view(r: DataSubjectRequestTable): DataSubjectRequest {
    const status = r.status as DsrStatus;
    return {
      id: r.id,
      subjectRef: r.subject_ref,
      type: r.type as DsrType,
      category: r.category,
      receivedOn: r.received_on,
      dueOn: r.due_on,
      overdue: isOverdue({ status, dueOn: r.due_on }, today()),
      status,
      extension: r.extension_reason && r.extended_at ? { reason: r.extension_reason, at: r.extended_at } : null,
      closed: r.closed_at ? { at: r.closed_at, by: r.closed_by, reason: r.close_reason ?? '' } : null,
      notes: r.notes,
      trace: JSON.parse(r.trace) as Trace,
      createdAt: r.created_at,
      createdBy: r.created_by,
    };
  }

  /** The dataset versions holding the category, directly or derived through lineage, and their users. */
  async function trace(exec: Executor, category: string): Promise<Omit<Trace, 'tasks'>> {
    const columns = new Map<string, { name: string; piiKind: string }[]>();
    for (const c of await repo.piiColumns(exec))
      if (columnHolds(category, { name: c.column, description: c.description, piiKind: c.pii_kind }))
        columns.set(c.dataset_id, [...(columns.get(c.dataset_id) ?? []), { name: c.column, piiKind: c.pii_kind }]);
    const found = new Map<string, TracedDatasetVersion>();
    let frontier: string[] = [];
    for (const v of await repo.datasetVersionsOf(exec, [...columns.keys()])) {
      found.set(v.id, {
        id: v.id,
        dataset: v.dataset,
        version: v.version,
        ownerTeam: v.owner_team,
        legalRegion: v.legal_region,
        columns: columns.get(v.dataset_id) ?? [],
        derivedFrom: null,
      });
      frontier.push(v.id);
    }
    // Data derived from a version that holds it still holds it, whatever the derived dataset declares.
    for (let depth = 0; frontier.length > 0 && depth < MAX_LINEAGE_DEPTH; depth++) {
      const edges = (await repo.derivedFrom(exec, frontier)).filter((e) => !found.has(e.id));
      const rows = await repo.datasetVersionsById(exec, [...new Set(edges.map((e) => e.id))]);
      frontier = [];
      for (const v of rows) {
        if (found.has(v.id)) continue;
        const source = found.get(edges.find((e) => e.id === v.id)!.source)!;
        found.set(v.id, {
          id: v.id,
          dataset: v.dataset,
          version: v.version,
          ownerTeam: v.owner_team,
          legalRegion: v.legal_region,
          columns: source.columns,
          derivedFrom: `${source.dataset}@${source.version}`,
        });
        frontier.push(v.id);
      }
    }
    const models = new Map<string, TracedModelVersion>();
    for (const u of await repo.versionsUsing(exec, [...found.keys()])) {
      const dv = found.get(u.dataset_version_id)!;
      const m = models.get(u.model_version_id) ?? {
        id: u.model_version_id,
        model: u.model,
        version: u.version,
        useCaseId: u.use_case_id,
        useCase: u.use_case,
        team: u.team,
        datasets: [],
      };
      m.datasets.push({ dataset: dv.dataset, version: dv.version, role: u.role });
      models.set(u.model_version_id, m);
    }
    return { datasetVersions: [...found.values()], modelVersions: [...models.values()] };
  }

  /** The work of a request on one use case: what its owning team is asked to do. */
  function specsFor(type: DsrType, id: string, dueOn: string, mine: TracedModelVersion[]): TaskSpec[] {
    const work = dsrWork(type);
    const data = [...new Set(mine.flatMap((m) => m.datasets.map((d) => `${d.dataset}@${d.version}`)))];
    const versions = mine.map((m) => `${m.model}/${m.version}`);
    const details = { request: id, type, dueOn, datasets: data, modelVersions: versions };
    const specs: TaskSpec[] = [];
    if (work.erase)
      specs.push({
        kind: 'dsr-erase',
        title: `${work.erase} the subject's data in ${data.join(', ')} (data-subject request due ${dueOn})`,
        role: 'data-ops',
        raci: 'R',
        details,
      });
    if (work.retrain)
      specs.push({
        kind: 'dsr-retrain',
        title: `Decide on retraining ${versions.join(', ')} (data-subject request due ${dueOn})`,
        role: 'data-scientist',
        raci: 'R',
        details,
      });
    specs.push({
      kind: 'dsr-document',
      title: `Document the ${type} request's handling for ${versions.join(', ')} (due ${dueOn})`,
      role: 'business-stakeholder',
      raci: 'A',
      details,
    });
    return specs;
  }

  async function existing(exec: Executor, id: string): Promise<DataSubjectRequestTable> {
    const row = await repo.get(exec, id);
    if (!row) throw notFound('data-subject request', id);
    return row;
  }

  return {
    async list(q: { status?: DsrStatus; overdue?: boolean; after?: string; limit: number }) {
      const rows = await repo.list(db, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.overdue === true ? { overdueBefore: today() } : {}),
        ...(q.overdue === false ? { notOverdueOn: today() } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const items = rows.slice(0, q.limit).map(view);
      return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
    },

    async get(id: string): Promise<DataSubjectRequest> {
      return view(await existing(db, id));
    },

    /** Open and overdue requests now (the reader a KPI or dashboard counts with). */
    async counts() {
      return repo.counts(db, today());
    },

    async create(ctx: RequestContext, input: CreateInput): Promise<DataSubjectRequest> {
      authorize(ctx, PERMISSION, ORGANISATION);
      if (!isDay(input.receivedOn))
        throw new DomainError('validation_failed', 'the request is not valid', {
          errors: [{ pointer: '/receivedOn', message: 'must be a date, YYYY-MM-DD' }],
        });
      if (input.receivedOn > today())
        throw new DomainError('validation_failed', 'the request is not valid', {
          errors: [{ pointer: '/receivedOn', message: `must not be after today (${today()})` }],
        });
      const id = ids.next();
      const dueOn = addMonths(input.receivedOn, 1);
      return transact(async (tx) => {
        const found = await trace(tx, input.category);
        const byUseCase = new Map<string, TracedModelVersion[]>();
        for (const m of found.modelVersions) byUseCase.set(m.useCaseId, [...(byUseCase.get(m.useCaseId) ?? []), m]);
        const tasks: Trace['tasks'] = [];
        for (const [useCaseId, mine] of byUseCase) {
          const pack = await deps.pack(tx, useCaseId);
          if (!pack) continue;
          const team = mine[0]!.team;
          const made = await deps.createTasks(
            tx,
            { type: 'use-case', id: useCaseId, team },
            pack,
            pack.steps[0]!.id,
            specsFor(input.type, id, dueOn, mine),
          );
          for (const t of made)
            tasks.push({ id: t.id, kind: t.kind, title: t.title, team: t.team, role: t.role, useCaseId });
        }
        const now = clock.now().toISOString();
        const row: DataSubjectRequestTable = {
          id,
          subject_ref: input.subjectRef,
          type: input.type,
          category: input.category,
          received_on: input.receivedOn,
          due_on: dueOn,
          extension_reason: null,
          extended_at: null,
          // Work has begun once tasks are open; with nothing traced the DPO handles it alone.
          status: tasks.length > 0 ? 'in-progress' : 'received',
          close_reason: null,
          closed_at: null,
          closed_by: null,
          trace: JSON.stringify({ ...found, tasks }),
          notes: input.notes ?? '',
          overdue_noted_at: null,
          created_at: now,
          created_by: actorId(ctx),
        };
        await repo.insert(tx, row);
        // The subject reference stays out of the audit trail: the trail cannot be erased.
        await audit.append(tx, ctx, {
          action: 'dsr.create',
          subject: { type: 'data-subject-request', id },
          after: {
            type: input.type,
            category: input.category,
            receivedOn: input.receivedOn,
            dueOn,
            datasetVersions: found.datasetVersions.map((d) => d.id),
            modelVersions: found.modelVersions.map((m) => m.id),
            tasks: tasks.map((t) => t.id),
          },
        });
        return view(row);
      });
    },

    /** Art. 12(3): once, by up to two further months, with the reason given to the subject. */
    async extend(ctx: RequestContext, id: string, input: { months: number; reason: string }) {
      authorize(ctx, PERMISSION, ORGANISATION);
      if (input.months > MAX_EXTENSION_MONTHS)
        throw new DomainError('validation_failed', 'the extension is not valid', {
          errors: [
            { pointer: '/months', message: `a request may be extended by at most ${MAX_EXTENSION_MONTHS} months` },
          ],
          extra: { maximum: MAX_EXTENSION_MONTHS },
        });
      return transact(async (tx) => {
        const row = await repo.lock(tx, id);
        if (!row) throw notFound('data-subject request', id);
        if (row.status === 'completed' || row.status === 'refused')
          throw conflict(`data-subject request '${id}' is closed (${row.status})`);
        if (row.extended_at)
          throw conflict(`data-subject request '${id}' was extended already; it may be extended once`);
        const now = clock.now().toISOString();
        const set = {
          due_on: addMonths(row.due_on, input.months),
          extension_reason: input.reason,
          extended_at: now,
          // A new due day: if it is passed again, that is a new overdue state to record.
          overdue_noted_at: null,
        };
        await repo.update(tx, id, set);
        await audit.append(tx, ctx, {
          action: 'dsr.extend',
          subject: { type: 'data-subject-request', id },
          before: { dueOn: row.due_on },
          after: { dueOn: set.due_on, months: input.months, reason: input.reason },
        });
        return view({ ...row, ...set });
      });
    },

    async close(ctx: RequestContext, id: string, input: { outcome: 'completed' | 'refused'; reason: string }) {
      authorize(ctx, PERMISSION, ORGANISATION);
      return transact(async (tx) => {
        const row = await repo.lock(tx, id);
        if (!row) throw notFound('data-subject request', id);
        if (row.status === 'completed' || row.status === 'refused')
          throw conflict(`data-subject request '${id}' is closed already (${row.status})`);
        const now = clock.now().toISOString();
        const set = { status: input.outcome, close_reason: input.reason, closed_at: now, closed_by: actorId(ctx) };
        await repo.update(tx, id, set);
        await audit.append(tx, ctx, {
          action: 'dsr.close',
          subject: { type: 'data-subject-request', id },
          before: { status: row.status },
          after: { status: input.outcome, reason: input.reason, dueOn: row.due_on, late: row.due_on < today() },
        });
        return view({ ...row, ...set });
      });
    },

    /** Records `dsr.overdue` once for each open request past its due day (the daily check). */
    async noteOverdue(ctx: RequestContext): Promise<{ noted: number }> {
      let noted = 0;
      for (;;) {
        const due = await repo.overdueUnnoted(db, today(), 100);
        if (due.length === 0) return { noted };
        for (const r of due)
          await transact(async (tx) => {
            const at = clock.now().toISOString();
            if (!(await repo.noteOverdue(tx, r.id, at))) return;
            await audit.append(tx, ctx, {
              action: 'dsr.overdue',
              subject: { type: 'data-subject-request', id: r.id },
              after: { type: r.type, dueOn: r.due_on, status: r.status },
            });
            noted++;
          });
        if (due.length < 100) return { noted };
      }
    },
  };
}

export type DsrService = ReturnType<typeof createDsrService>;
