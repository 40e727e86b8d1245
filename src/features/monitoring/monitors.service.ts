// A version's monitor: which of the pack's monitors it provides, the monitored columns, the
// window length, drift settings, alert rules, and the reference frozen when it was configured.
// Each configuration is recorded as immutable, hashed evidence of kind `monitoring`.

import { createHash } from 'node:crypto';
import type { Emit } from '../../events.ts';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { EvidenceTable, MonitorReferenceTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { PAIRED_METRICS } from '../../domain/monitoring/paired.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { authorize } from '../common/authorize.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import type { EvidenceRepo } from '../evidence/evidence.repo.ts';
import { formatOfPath, NumberColumn, readRecords } from '../../tabular/parse.ts';
import { readVerified, upstreamFailed, type FetchPolicy } from '../../tabular/sources.ts';
import type { VersionOwner } from '../lifecycle/lifecycle.repo.ts';
import type { ChallengersRepo } from './challengers.repo.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';
import type { MonitorConfig } from './monitoring.schema.ts';
import { taskModule, transferable, type WorkerPool } from '../../lib/worker-pool.ts';
import { freezeNumericalTask } from './window-stats.ts';

export interface ReferenceColumn {
  type: 'numerical' | 'categorical';
  nRaw: number;
  /** Numerical: finite values, sorted. */
  values?: Float64Array;
  /** Categorical: counts per value (missing excluded). */
  counts?: Record<string, number>;
}

type RefColumn =
  { type: 'numerical'; values: NumberColumn } | { type: 'categorical'; counts: Map<string, number>; missing: number };

export interface Monitor {
  id: string;
  versionId: string;
  config: MonitorConfig;
  /** What the reference is and, per numerical column, the decile edges profiles must use. */
  reference: {
    source: Record<string, unknown>;
    rows: number;
    columns: Record<string, { type: string; n: number; missing: number; profileEdges?: number[] }>;
  };
  createdAt: string;
  createdBy: string | null;
}

export interface MonitorsDeps extends CommandDeps {
  repo: MonitoringRepo;
  evidence: Pick<EvidenceRepo, 'insert' | 'ofVersion'>;
  datasets: Pick<DatasetRepo, 'resolveVersion'>;
  owner: (exec: Executor, model: string, version: number) => Promise<VersionOwner | undefined>;
  challengers: Pick<ChallengersRepo, 'setChallenger'>;
  fetchPolicy: FetchPolicy;
  maxBytes: number;
  /** After a new configuration: windows are recomputed against it. */
  reconfigured: (tx: Tx, versionId: string, windowMs: number) => Promise<void>;
  /** After commit: start computing the version's dirty windows. */
  kick: (versionId: string) => Promise<void>;
  /** Emits `evidence.recorded`: a monitor configuration or an alert is evidence of the version. */
  events: Emit;
  /** Threads a numerical reference is sorted on (the server's worker pool); default: this thread. */
  pool?: Pick<WorkerPool, 'run'>;
}

const STATS = taskModule(import.meta.url, 'window-stats');

const ENGINE = 'steward-monitoring/1';
const bad = (message: string, pointer: string) =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

const toBase64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromBase64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
};

/** Parses one cell of a monitored column: numbers (or numeric text) for numerical, text for categorical; null when missing. */
export function cellValue(type: 'numerical' | 'categorical', v: unknown): number | string | null {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === ''))
    return type === 'numerical' ? NaN : null;
  if (type === 'numerical')
    return typeof v === 'number'
      ? v
      : typeof v === 'string'
        ? Number(v.trim())
        : typeof v === 'boolean'
          ? Number(v)
          : NaN;
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function createMonitorsService(deps: MonitorsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  /** Reads the reference's monitored columns from a dataset version or the version's own log. */
  async function readReference(
    versionId: string,
    config: MonitorConfig,
  ): Promise<{ columns: Record<string, RefColumn>; rows: number; source: Record<string, unknown> }> {
    // Compact as it streams: numbers in typed chunks, categories as counts.
    const columns: Record<string, RefColumn> = Object.fromEntries(
      Object.entries(config.features).map(([n, type]) => [
        n,
        type === 'numerical'
          ? { type, values: new NumberColumn() }
          : { type, counts: new Map<string, number>(), missing: 0 },
      ]),
    );
    let rows = 0;
    const take = (record: Record<string, unknown>) => {
      rows++;
      for (const [n, c] of Object.entries(columns)) {
        const v = cellValue(c.type, record[n]);
        if (c.type === 'numerical') c.values.push(v as number);
        else if (v === null) c.missing++;
        else c.counts.set(v as string, (c.counts.get(v as string) ?? 0) + 1);
      }
    };
    if ('dataset' in config.reference) {
      const ref = config.reference;
      const d = await deps.datasets.resolveVersion(db, ref.dataset, ref.version);
      if (!d) throw notFound('dataset version', `${ref.dataset}/${ref.version}`);
      if (!d.uri)
        throw new DomainError(
          'invalid_reference',
          `dataset version ${d.dataset}/${d.version} has no URI to read it from`,
        );
      const format = ref.format ?? formatOfPath(new URL(d.uri, 'file:///').pathname);
      if (!format) throw bad(`cannot tell the format of ${d.uri}; give reference.format`, '/reference/format');
      const uri = d.uri;
      let digest: string;
      try {
        // The digest is checked before a byte is parsed: parse errors quote cell values.
        ({ digest } = await readVerified(
          uri,
          deps.fetchPolicy,
          d.ownerTeam,
          d.digest,
          { maxBytes: deps.maxBytes, what: 'reference dataset' },
          (stream) => readRecords(stream, format, { maxBytes: deps.maxBytes, what: 'the reference dataset' }, take),
        ));
      } catch (err) {
        if (err instanceof DomainError) throw err;
        throw upstreamFailed(uri, err);
      }
      return { columns, rows, source: { dataset: d.dataset, version: d.version, digest } };
    }
    const from = Date.parse(config.reference.from);
    const to = Date.parse(config.reference.to);
    if (!(from < to)) throw bad('reference.from must be before reference.to', '/reference/to');
    for (let after: { ts: number; id: string } | null = null; ;) {
      const page = await repo.windowPage(db, versionId, from, to, after, 5000);
      for (const p of page) take(JSON.parse(p.features) as Record<string, unknown>);
      if (page.length < 5000) break;
      after = { ts: page[page.length - 1]!.ts_ms, id: page[page.length - 1]!.record_id };
    }
    return { columns, rows, source: { window: { from: config.reference.from, to: config.reference.to } } };
  }

  function validate(config: MonitorConfig): void {
    const names = Object.keys(config.features);
    if (names.length === 0 || names.length > 500) throw bad('monitor between 1 and 500 feature columns', '/features');
    for (const s of config.sensitive ?? [])
      if (!(s in config.features)) throw bad(`sensitive column '${s}' is not a monitored feature`, '/sensitive');
    for (const c of Object.keys(config.drift.columns ?? {}))
      if (!(c in config.features))
        throw bad(`drift settings for '${c}', which is not a monitored feature`, `/drift/columns/${c}`);
    const rules = config.alertRules.map((r) => r.id);
    const twice = rules.find((r, i) => rules.indexOf(r) !== i);
    if (twice) throw bad(`alert rule '${twice}' is given twice`, '/alertRules');
    const metrics = config.challenger?.metrics ?? [];
    const offered: readonly string[] = PAIRED_METRICS[config.task];
    metrics.forEach((m, i) => {
      if (!offered.includes(m))
        throw bad(
          `challenger.metrics: '${m}' is not compared for ${config.task}; use ${offered.join(', ')}`,
          `/challenger/metrics/${i}`,
        );
    });
  }

  /** The challenger a configuration names: a version of the same use case, not the champion itself. */
  async function challengerOf(champion: VersionOwner, config: MonitorConfig): Promise<string | null> {
    const c = config.challenger;
    if (!c) return null;
    const found = await deps.owner(db, c.model, c.version);
    if (!found) throw notFound('model version', `${c.model}/${c.version}`);
    if (found.versionId === champion.versionId)
      throw bad('challenger: a version cannot challenge itself', '/challenger');
    if (found.useCaseId !== champion.useCaseId)
      throw bad(
        `challenger: ${c.model}/${c.version} serves another use case; a challenger must serve the same one`,
        '/challenger',
      );
    return found.versionId;
  }

  function toMonitor(row: EvidenceTable): Monitor {
    return {
      id: row.id,
      versionId: row.model_version_id,
      config: JSON.parse(row.spec) as MonitorConfig,
      reference: (JSON.parse(row.result) as { reference: Monitor['reference'] }).reference,
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
  }

  /** The version's current monitor: its latest configuration. */
  async function current(exec: Executor, versionId: string): Promise<Monitor | null> {
    const rows = (await deps.evidence.ofVersion(exec, versionId)).filter((e) => e.kind === 'monitoring');
    return rows.length === 0 ? null : toMonitor(rows[rows.length - 1]!);
  }

  return {
    current,

    async configure(ctx: RequestContext, model: string, version: number, config: MonitorConfig): Promise<Monitor> {
      const owner = await deps.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      authorize(ctx, 'monitoring:write', owner.team);
      validate(config);
      const challengerId = await challengerOf(owner, config);
      // The reference is read before the transaction: it may come over the network.
      const ref = await readReference(owner.versionId, config);
      if (ref.rows === 0) throw bad('the reference has no rows', '/reference');
      const id = ids.next();
      const columns: Monitor['reference']['columns'] = {};
      const stored: MonitorReferenceTable[] = [];
      for (const [name, c] of Object.entries(ref.columns)) {
        if (c.type === 'numerical') {
          const raw = c.values.done();
          const nRaw = raw.length;
          // Sorting a large reference is work for the pool (the raw values move there).
          const { sorted, edges } = deps.pool
            ? await deps.pool.run<ReturnType<typeof freezeNumericalTask>>(
                STATS,
                'freezeNumericalTask',
                [raw],
                transferable(raw),
              )
            : freezeNumericalTask(raw);
          columns[name] = {
            type: c.type,
            n: sorted.length,
            missing: nRaw - sorted.length,
            profileEdges: edges,
          };
          stored.push({
            model_version_id: owner.versionId,
            config_id: id,
            column_name: name,
            column_type: c.type,
            n_raw: nRaw,
            data: toBase64(sorted),
          });
        } else {
          const counts = Object.fromEntries(c.counts);
          const n = ref.rows - c.missing;
          columns[name] = { type: c.type, n, missing: c.missing };
          stored.push({
            model_version_id: owner.versionId,
            config_id: id,
            column_name: name,
            column_type: c.type,
            n_raw: ref.rows,
            data: canonicalize(counts),
          });
        }
      }
      const reference: Monitor['reference'] = { source: ref.source, rows: ref.rows, columns };
      const result = { reference };
      const row: EvidenceTable = {
        id,
        model_version_id: owner.versionId,
        kind: 'monitoring',
        content_hash: `sha256:${createHash('sha256')
          .update(canonicalize({ kind: 'monitoring', spec: config, result }))
          .digest('hex')}`,
        artifact_digest: null,
        data_digest: typeof ref.source.digest === 'string' ? ref.source.digest : null,
        spec: canonicalize(config),
        engine: ENGINE,
        result: canonicalize(result),
        metrics: '{}',
        created_at: clock.now().toISOString(),
        created_by: actorId(ctx),
      };
      const monitor = await transact(async (tx) => {
        await deps.evidence.insert(tx, row);
        await repo.insertReference(tx, stored);
        await deps.challengers.setChallenger(tx, owner.versionId, challengerId, id);
        const monitor = toMonitor(row);
        await audit.append(tx, ctx, {
          action: 'monitor.configure',
          subject: { type: 'model-version', id: owner.versionId },
          after: { id, contentHash: row.content_hash, config, reference },
        });
        await deps.reconfigured(tx, owner.versionId, config.windowSeconds * 1000);
        await deps.events.emit(tx, 'evidence.recorded', { ctx, versionId: owner.versionId });
        return monitor;
      });
      await deps.kick(owner.versionId);
      return monitor;
    },

    async get(model: string, version: number): Promise<Monitor> {
      const owner = await deps.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      const m = await current(db, owner.versionId);
      if (!m) throw notFound('monitor of model version', `${model}/${version}`);
      return m;
    },

    /** The frozen reference columns of a configuration. */
    async referenceColumns(
      exec: Executor,
      versionId: string,
      configId: string,
    ): Promise<Record<string, ReferenceColumn>> {
      const out: Record<string, ReferenceColumn> = {};
      for (const r of await repo.reference(exec, versionId, configId)) {
        out[r.column_name] =
          r.column_type === 'numerical'
            ? { type: 'numerical', nRaw: r.n_raw, values: fromBase64(r.data) }
            : { type: 'categorical', nRaw: r.n_raw, counts: JSON.parse(r.data) as Record<string, number> };
      }
      return out;
    },
  };
}

export type MonitorsService = ReturnType<typeof createMonitorsService>;
