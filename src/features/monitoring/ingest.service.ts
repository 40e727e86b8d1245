// Ingestion of what production sends: prediction logs, ground truth joined later by prediction
// id, producer profiles, and business KPI values. Every batch is idempotent by record id (a
// re-sent batch counts its records as duplicates), validated record by record (accepted,
// duplicate or rejected with a reason), and written whole or not at all.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { PredictionTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { profileProblems, type Profile } from '../../domain/monitoring/profile.ts';
import { windowStart } from '../../domain/monitoring/alerts.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { authorize } from '../common/authorize.ts';
import { readRecords, type DataFormat } from '../../tabular/parse.ts';
import { findUnstorable } from '../../lib/unstorable.ts';
import type { VersionOwner } from '../lifecycle/lifecycle.repo.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';

export interface BatchReport {
  id: string;
  kind: 'predictions' | 'labels' | 'profile' | 'kpi-values';
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The first rejected records (at most 100), with why. */
  reasons: { record: number; id?: string; reason: string }[];
  digest: string;
  receivedAt: string;
}

export interface IngestDeps extends CommandDeps {
  repo: MonitoringRepo;
  owner: (exec: Executor, model: string, version: number) => Promise<VersionOwner | undefined>;
  useCase: (
    exec: Executor,
    id: string,
  ) => Promise<
    | { id: string; team: string; kpis: { name: string; target: number; direction: 'at-least' | 'at-most' }[] }
    | undefined
  >;
  /** The version's window length (its monitor's, or a day). */
  windowMs: (exec: Executor, versionId: string) => Promise<number>;
  /** What profiles of the version must look like: its monitor's features and histogram edges (null: no monitor yet). */
  profileSpec: (
    exec: Executor,
    versionId: string,
  ) => Promise<Record<string, { type: 'numerical' | 'categorical'; edges?: number[] }> | null>;
  /** Windows that gained records or labels: compute them (after commit). */
  touched: (versionId: string, starts: number[]) => Promise<void>;
  /**
   * A challenger's records arrived: the champions comparing against it re-open the windows holding
   * the same record ids (returned to be computed after commit).
   */
  challengerTouched: (
    tx: Tx,
    versionId: string,
    recordIds: string[],
  ) => Promise<{ versionId: string; starts: number[] }[]>;
  /** KPI values recorded: evaluate their alert rules in the same transaction. */
  kpiRecorded: (tx: Tx, ctx: RequestContext, useCaseId: string, kpi: string) => Promise<void>;
  maxBytes: number;
  maxRecords: number;
}

const RESERVED = new Set(['id', 'timestamp', 'prediction', 'score', 'label', 'features']);
const MAX_REASONS = 100;

/** A record id: a non-empty string (no NUL) or an integer, as text. */
function recordId(v: unknown): string | null {
  if (typeof v === 'string' && v.length > 0 && v.length <= 200 && !v.includes('\u0000')) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

// Predictions are logged between 1970 and 2200: outside lies a unit mistake (seconds for
// milliseconds, microseconds), and dates JavaScript and the databases cannot both represent.
const LATEST_MS = Date.UTC(2200, 0, 1);

/** Epoch ms of an ISO 8601 timestamp or a number of epoch milliseconds, within 1970-2200. */
function timestampMs(v: unknown): number | null {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) ms = Number(v);
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v);
  else return null;
  return Number.isFinite(ms) && ms >= 0 && ms < LATEST_MS ? Math.trunc(ms) : null;
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
/** A label or prediction as compared: its text, so 1 from JSON Lines equals "1" from CSV. */
const asText = (json: string | null) => (json === null ? null : String(JSON.parse(json)));
const json = (v: unknown) => (v === undefined || v === null || v === '' ? null : JSON.stringify(v));

export function createIngestService(deps: IngestDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  async function target(ctx: RequestContext, model: string, version: number): Promise<VersionOwner> {
    const owner = await deps.owner(db, model, version);
    if (!owner) throw notFound('model version', `${model}/${version}`);
    authorize(ctx, 'monitoring:write', owner.team);
    return owner;
  }

  /** Streams a batch in, keeping validated rows and per-record outcomes (bounded by maxBytes/maxRecords). */
  async function collect<T>(
    input: Readable,
    format: DataFormat,
    what: string,
    parse: (record: Record<string, unknown>, n: number) => T | string,
  ): Promise<{ rows: T[]; reasons: BatchReport['reasons']; rejected: number; digest: string; bytes: number }> {
    const rows: T[] = [];
    const reasons: BatchReport['reasons'] = [];
    let n = 0;
    let rejected = 0;
    const { digest, bytes } = await readRecords(input, format, { maxBytes: deps.maxBytes, what }, (record) => {
      n++;
      if (n > deps.maxRecords)
        throw new DomainError('payload_too_large', `a batch holds at most ${deps.maxRecords} records; split it`);
      const r = parse(record, n);
      if (typeof r === 'string') {
        rejected++;
        const id = recordId(record.id);
        if (reasons.length < MAX_REASONS) reasons.push({ record: n, ...(id ? { id } : {}), reason: r });
      } else rows.push(r);
    });
    if (n === 0)
      throw new DomainError('validation_failed', `the ${what} has no records`, {
        errors: [{ pointer: '', message: 'empty' }],
      });
    return { rows, reasons, rejected, digest, bytes };
  }

  async function finish(
    tx: Tx,
    ctx: RequestContext,
    owner: { versionId?: string; useCaseId?: string },
    kind: BatchReport['kind'],
    format: string,
    b: {
      digest: string;
      bytes: number;
      accepted: number;
      duplicates: number;
      rejected: number;
      reasons: BatchReport['reasons'];
    },
  ): Promise<BatchReport> {
    const id = ids.next();
    const receivedAt = clock.now().toISOString();
    await repo.insertBatch(tx, {
      id,
      model_version_id: owner.versionId ?? null,
      use_case_id: owner.useCaseId ?? null,
      kind,
      format,
      digest: b.digest,
      bytes: b.bytes,
      accepted: b.accepted,
      duplicates: b.duplicates,
      rejected: b.rejected,
      reasons: JSON.stringify(b.reasons),
      received_at: receivedAt,
      received_by: actorId(ctx),
    });
    const report: BatchReport = {
      id,
      kind,
      accepted: b.accepted,
      duplicates: b.duplicates,
      rejected: b.rejected,
      reasons: b.reasons,
      digest: b.digest,
      receivedAt,
    };
    await audit.append(tx, ctx, {
      action: `monitoring.${kind}`,
      subject: owner.versionId
        ? { type: 'model-version', id: owner.versionId }
        : { type: 'use-case', id: owner.useCaseId! },
      after: { ...report, reasons: b.reasons.slice(0, 10) },
    });
    return report;
  }

  return {
    async predictions(
      ctx: RequestContext,
      model: string,
      version: number,
      input: Readable,
      format: DataFormat,
    ): Promise<BatchReport> {
      const owner = await target(ctx, model, version);
      const batchId = ids.next();
      const got = await collect(input, format, 'prediction batch', (r): PredictionTable | string => {
        const id = recordId(r.id);
        if (!id) return 'id is missing, or not a string (1-200 characters) or an integer';
        const ts = timestampMs(r.timestamp);
        if (ts === null) return 'timestamp is missing or not an ISO 8601 date-time or epoch milliseconds';
        let features: Record<string, unknown>;
        if (r.features !== undefined) {
          if (r.features === null || typeof r.features !== 'object' || Array.isArray(r.features))
            return 'features must be an object';
          features = r.features as Record<string, unknown>;
        } else features = Object.fromEntries(Object.entries(r).filter(([k]) => !RESERVED.has(k)));
        if (!Object.values(features).every(isScalar))
          return 'feature values must be numbers, strings, booleans or null';
        // Text the databases cannot store is refused here, record by record, not as a failed batch.
        if (findUnstorable([id, features, r.prediction ?? null, r.label ?? null]) !== null)
          return 'values must not contain NUL characters or unpaired surrogates';
        if (!isScalar(r.prediction ?? null) || !isScalar(r.label ?? null))
          return 'prediction and label must be single values';
        const score = r.score === undefined || r.score === null || r.score === '' ? null : Number(r.score);
        if (score !== null && !Number.isFinite(score)) return 'score must be a finite number';
        const label = json(r.label);
        return {
          model_version_id: owner.versionId,
          record_id: id,
          ts_ms: ts,
          features: JSON.stringify(features),
          prediction: json(r.prediction),
          score,
          label,
          labelled_at: label === null ? null : clock.now().toISOString(),
          batch_id: batchId,
        };
      });
      // The first of two records with one id in a batch wins, as it would across batches.
      const seen = new Set<string>();
      const rows = got.rows.filter((p) => !seen.has(p.record_id) && seen.add(p.record_id));
      const report = await transact(async (tx) => {
        // Read inside the transaction: a monitor reconfigured meanwhile cannot leave windows of two sizes.
        const windowMs = await deps.windowMs(tx, owner.versionId);
        let accepted = 0;
        for (let i = 0; i < rows.length; i += 500) accepted += await repo.insertPredictions(tx, rows.slice(i, i + 500));
        const starts = [...new Set(rows.map((p) => windowStart(p.ts_ms, windowMs)))];
        await repo.markDirty(
          tx,
          owner.versionId,
          starts.map((s) => ({ start: s, end: s + windowMs })),
        );
        return {
          report: await finish(tx, ctx, owner, 'predictions', format, {
            ...got,
            accepted,
            duplicates: got.rows.length - accepted,
          }),
          starts,
          champions: await deps.challengerTouched(
            tx,
            owner.versionId,
            rows.map((r) => r.record_id),
          ),
        };
      });
      await deps.touched(owner.versionId, report.starts);
      for (const c of report.champions) await deps.touched(c.versionId, c.starts);
      return report.report;
    },

    async labels(
      ctx: RequestContext,
      model: string,
      version: number,
      input: Readable,
      format: DataFormat,
    ): Promise<BatchReport> {
      const owner = await target(ctx, model, version);
      const got = await collect(input, format, 'label batch', (r): { id: string; label: string } | string => {
        const id = recordId(r.id);
        if (!id) return 'id is missing, or not a string (1-200 characters) or an integer';
        if (r.label === undefined || r.label === null || r.label === '' || !isScalar(r.label))
          return 'label is missing or not a single value';
        return { id, label: JSON.stringify(r.label) };
      });
      const { report, starts, champions } = await transact(async (tx) => {
        const windowMs = await deps.windowMs(tx, owner.versionId);
        let accepted = 0;
        let duplicates = 0;
        let rejected = got.rejected;
        const reasons = [...got.reasons];
        const starts = new Set<number>();
        const now = clock.now().toISOString();
        for (let i = 0; i < got.rows.length; i += 500) {
          const chunk = got.rows.slice(i, i + 500);
          const known = new Map(
            (
              await repo.predictionsById(
                tx,
                owner.versionId,
                chunk.map((c) => c.id),
              )
            ).map((p) => [p.record_id, p]),
          );
          for (const [j, c] of chunk.entries()) {
            const p = known.get(c.id);
            if (!p) {
              rejected++;
              if (reasons.length < MAX_REASONS)
                reasons.push({
                  record: i + j + 1,
                  id: c.id,
                  reason: 'no prediction with this id was logged for this version',
                });
            } else if (asText(p.label) === asText(c.label)) duplicates++;
            else {
              await repo.setLabel(tx, owner.versionId, c.id, c.label, now);
              p.label = c.label;
              accepted++;
              starts.add(windowStart(p.ts_ms, windowMs));
            }
          }
        }
        await repo.markDirty(
          tx,
          owner.versionId,
          [...starts].map((s) => ({ start: s, end: s + windowMs })),
        );
        return {
          report: await finish(tx, ctx, owner, 'labels', format, {
            digest: got.digest,
            bytes: got.bytes,
            accepted,
            duplicates,
            rejected,
            reasons,
          }),
          starts: [...starts],
          champions: await deps.challengerTouched(
            tx,
            owner.versionId,
            got.rows.map((r) => r.id),
          ),
        };
      });
      await deps.touched(owner.versionId, starts);
      for (const c of champions) await deps.touched(c.versionId, c.starts);
      return report;
    },

    async profile(
      ctx: RequestContext,
      model: string,
      version: number,
      profile: Profile,
      key: string | undefined,
    ): Promise<BatchReport & { duplicate: boolean }> {
      const owner = await target(ctx, model, version);
      const problems = profileProblems(profile);
      if (problems.length > 0)
        throw new DomainError('validation_failed', problems.join('; '), {
          errors: problems.map((p) => ({ pointer: '', message: p })),
        });
      const spec = await deps.profileSpec(db, owner.versionId);
      // A profile that cannot be compared with the reference, or merged with its window's others, is refused now.
      for (const [name, f] of Object.entries(profile.features)) {
        const want = spec?.[name];
        if (spec && !want)
          throw new DomainError('validation_failed', `'${name}' is not a monitored feature of ${model}/${version}`, {
            errors: [{ pointer: `/features/${name}`, message: 'not monitored' }],
          });
        if (want && want.type !== f.type)
          throw new DomainError('validation_failed', `'${name}' is ${want.type}, not ${f.type}`, {
            errors: [{ pointer: `/features/${name}/type`, message: `must be ${want.type}` }],
          });
        if (
          want?.edges &&
          f.type === 'numerical' &&
          (f.histogram.edges.length !== want.edges.length || f.histogram.edges.some((e, i) => e !== want.edges![i]))
        ) {
          throw new DomainError(
            'validation_failed',
            `the histogram of '${name}' must use the monitor's edges (GET .../monitor: reference.columns.${name}.profileEdges)`,
            { errors: [{ pointer: `/features/${name}/histogram/edges`, message: "not the monitor's edges" }] },
          );
        }
      }
      const windowMs = await deps.windowMs(db, owner.versionId);
      const content = canonicalize(profile);
      const hash = `sha256:${createHash('sha256').update(content).digest('hex')}`;
      const profileKey = key ?? hash;
      const start = Date.parse(profile.window.start);
      const end = Date.parse(profile.window.end);
      if (!(start >= 0 && end < LATEST_MS))
        throw new DomainError('validation_failed', 'a profile window lies between 1970 and 2200', {
          errors: [{ pointer: '/window', message: 'out of range' }],
        });
      if (windowStart(start, windowMs) !== windowStart(end - 1, windowMs))
        throw new DomainError(
          'validation_failed',
          `a profile must lie within one monitoring window (${windowMs / 1000} s, aligned to the epoch)`,
          { errors: [{ pointer: '/window', message: 'spans two windows' }] },
        );
      const result = await transact(async (tx) => {
        const fresh = await repo.insertProfile(tx, {
          id: ids.next(),
          model_version_id: owner.versionId,
          profile_key: profileKey,
          window_start_ms: start,
          window_end_ms: end,
          content_hash: hash,
          profile: content,
          received_at: clock.now().toISOString(),
          received_by: actorId(ctx),
        });
        if (!fresh) {
          const existing = await repo.profileByKey(tx, owner.versionId, profileKey);
          if (existing && existing.content_hash !== hash)
            throw new DomainError('conflict', `a different profile was already sent with key '${profileKey}'`);
        } else
          await repo.markDirty(tx, owner.versionId, [
            { start: windowStart(start, windowMs), end: windowStart(start, windowMs) + windowMs },
          ]);
        const report = await finish(tx, ctx, owner, 'profile', 'json', {
          digest: hash,
          bytes: Buffer.byteLength(content),
          accepted: fresh ? profile.count : 0,
          duplicates: fresh ? 0 : profile.count,
          rejected: 0,
          reasons: [],
        });
        return { ...report, duplicate: !fresh };
      });
      if (!result.duplicate) await deps.touched(owner.versionId, [windowStart(start, windowMs)]);
      return result;
    },

    async kpiValues(
      ctx: RequestContext,
      useCaseId: string,
      kpi: string,
      values: { timestamp: string; value: number }[],
    ): Promise<BatchReport> {
      const uc = await deps.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      authorize(ctx, 'kpi:write', uc.team);
      if (!uc.kpis.some((k) => k.name === kpi)) throw notFound(`KPI of use case ${useCaseId}`, kpi);
      const content = canonicalize(values);
      return transact(async (tx) => {
        const batchId = ids.next();
        const reasons: BatchReport['reasons'] = [];
        const byTs = new Map<number, number>();
        values.forEach((v, i) => {
          const ts = Date.parse(v.timestamp);
          if (byTs.has(ts) && byTs.get(ts) !== v.value)
            reasons.push({ record: i + 1, reason: 'two different values for one timestamp in this batch' });
          else byTs.set(ts, v.value);
        });
        const existing = new Map(
          (await repo.kpiValuesAt(tx, useCaseId, kpi, [...byTs.keys()])).map((r) => [r.ts_ms, r.value]),
        );
        const firstAt = new Map<number, number>();
        values.forEach((v, i) => firstAt.has(Date.parse(v.timestamp)) || firstAt.set(Date.parse(v.timestamp), i + 1));
        const fresh = [...byTs].filter(([ts, value]) => {
          if (!existing.has(ts)) return true;
          if (existing.get(ts) !== value)
            reasons.push({
              record: firstAt.get(ts)!,
              reason: `a different value (${existing.get(ts)}) is already recorded for this timestamp`,
            });
          return false;
        });
        const accepted = await repo.insertKpiValues(
          tx,
          fresh.map(([ts, value]) => ({ use_case_id: useCaseId, kpi, ts_ms: ts, value, batch_id: batchId })),
        );
        const report = await finish(tx, ctx, { useCaseId }, 'kpi-values', 'json', {
          digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
          bytes: Buffer.byteLength(content),
          accepted,
          duplicates: values.length - accepted - reasons.length,
          rejected: reasons.length,
          reasons,
        });
        await deps.kpiRecorded(tx, ctx, useCaseId, kpi);
        return report;
      });
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
