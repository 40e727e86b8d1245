import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { EvidenceTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { evaluate, type EvaluationSpec } from '../../domain/metrics/evaluate.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import { notFound } from '../../errors.ts';
import { VERSION } from '../../version.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { EvidenceRepo } from './evidence.repo.ts';
import { readEvaluationData, type DataFormat, type ParseOptions } from './parse.ts';

export const ENGINE = `steward-evaluation/${VERSION}`;

/** Non-finite numbers (0/0 ratios, empty groups) as the strings "NaN", "Infinity", "-Infinity": JSON has no other form. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

export interface Evidence {
  id: string;
  model: string;
  version: number;
  kind: string;
  contentHash: string;
  artifactDigest: string | null;
  dataDigest: string | null;
  spec: unknown;
  engine: string;
  result: unknown;
  metrics: Record<string, number | null>;
  createdAt: string;
  createdBy: string | null;
}

export interface EvidenceServiceDeps extends CommandDeps {
  repo: EvidenceRepo;
}

const toEvidence = (r: EvidenceTable, model: string, version: number): Evidence => ({
  id: r.id,
  model,
  version,
  kind: r.kind,
  contentHash: r.content_hash,
  artifactDigest: r.artifact_digest,
  dataDigest: r.data_digest,
  spec: JSON.parse(r.spec),
  engine: r.engine,
  result: JSON.parse(r.result),
  metrics: JSON.parse(r.metrics),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export function createEvidenceService({ db, transact, audit, clock, ids, repo }: EvidenceServiceDeps) {
  return {
    /**
     * Evaluates uploaded data against a version and stores the result as immutable evidence bound
     * to the version's artefact digest and to the digest of the data it was computed from.
     */
    async evaluate(ctx: RequestContext, model: string, version: number, spec: EvaluationSpec, input: Readable, format: DataFormat, opts: ParseOptions): Promise<Evidence> {
      const target = await repo.locateVersion(db, model, version);
      if (!target) throw notFound('model version', `${model}/${version}`);
      authorize(ctx, 'version:write', target.team);
      const { data, digest, profile } = await readEvaluationData(input, format, spec, opts);
      const evaluated = evaluate(spec, data);
      const result = jsonSafe({ ...evaluated, dataQuality: profile, metrics: { ...evaluated.metrics, 'missing-rate': profile.missingRate, 'duplicate-rows': profile.duplicateRows } }) as { metrics: Record<string, number | null> };
      const row: EvidenceTable = {
        id: ids.next(),
        model_version_id: target.id,
        kind: 'evaluation',
        content_hash: '',
        artifact_digest: target.artifactDigest,
        data_digest: digest,
        spec: canonicalize(spec),
        engine: ENGINE,
        result: canonicalize(result),
        metrics: canonicalize(result.metrics),
        created_at: clock.now().toISOString(),
        created_by: actorId(ctx),
      };
      row.content_hash = `sha256:${createHash('sha256').update(canonicalize({ kind: row.kind, artifactDigest: row.artifact_digest, dataDigest: row.data_digest, spec, engine: row.engine, result })).digest('hex')}`;
      const evidence = toEvidence(row, model, version);
      await transact(async (tx) => {
        // The version may have changed hands while the data streamed in.
        const again = await repo.locateVersion(tx, model, version);
        if (!again) throw notFound('model version', `${model}/${version}`);
        authorize(ctx, 'version:write', again.team);
        await repo.insert(tx, row);
        await audit.append(tx, ctx, { action: 'evidence.create', subject: { type: 'model-version', id: target.id }, after: { ...evidence, result: undefined } });
      });
      return evidence;
    },

    async list(model: string, version: number): Promise<Evidence[]> {
      const target = await repo.locateVersion(db, model, version);
      if (!target) throw notFound('model version', `${model}/${version}`);
      return (await repo.ofVersion(db, target.id)).map((r) => toEvidence(r, model, version));
    },

    async get(model: string, version: number, id: string): Promise<Evidence> {
      const found = (await this.list(model, version)).find((e) => e.id === id);
      if (!found) throw notFound('evidence', id);
      return found;
    },

    /** Evidence of a version as the policy's status machinery reads it: one `check` per metric. */
    async recordsFor(exec: Executor, versionId: string): Promise<EvidenceRecord[]> {
      return (await repo.ofVersion(exec, versionId)).flatMap((r) =>
        Object.entries(JSON.parse(r.metrics) as Record<string, number | string | null>)
          .filter(([, v]) => typeof v === 'number')
          .map(([metric, value]) => ({ id: r.id, kind: 'check' as const, metric, value: value as number, artifactDigest: r.artifact_digest })),
      );
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
