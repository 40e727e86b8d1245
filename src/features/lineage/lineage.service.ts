import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { DomainError } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { LineageRepo } from './lineage.repo.ts';
import type { LineageResult } from './lineage.schema.ts';
import { readRunEvent, type LineageDataset, type LineageEvent } from './lineage.wire.ts';

/** What lineage needs of the inventory's datasets and versions. */
export interface LineageInventory {
  dataset: (exec: Executor, ref: string) => Promise<{ id: string; name: string } | undefined>;
  findVersion: (
    exec: Executor,
    datasetId: string,
    by: { digest?: string; latest?: boolean },
  ) => Promise<{ version: number; digest: string } | undefined>;
  createVersion: (
    tx: Tx,
    ctx: RequestContext,
    dataset: string,
    input: {
      digest: string;
      rowCount: number;
      schema: { name: string; type: string }[];
      description: string;
      derivedFrom: { dataset: string; version: number; columns: { column: string; from: string[] }[] }[];
    },
  ) => Promise<{ version: number; digest: string }>;
  version: (exec: Executor, model: string, version: number) => Promise<{ id: string } | undefined>;
  byArtifactDigest: (exec: Executor, digest: string) => Promise<{ id: string; model: string; version: number }[]>;
}

export interface LineageDeps extends Pick<CommandDeps, 'db' | 'transact' | 'audit' | 'clock' | 'ids'> {
  repo: LineageRepo;
  inventory: LineageInventory;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * A dataset version's digest: the `version` facet when it is a SHA-256 digest; otherwise a digest of
 * the dataset's identity in the event (OpenLineage rarely carries a content hash), stable for an
 * input named again, unique per run for an output.
 */
function digestOf(d: LineageDataset, run: { runId: string; eventTime: string } | undefined): string {
  if (d.datasetVersion && SHA256.test(d.datasetVersion)) return d.datasetVersion;
  return sha256(
    canonicalize({ namespace: d.namespace, name: d.name, version: d.datasetVersion ?? null, run: run ?? null }),
  );
}

// The dataset version schema's bounds (SchemaField): longer names and types are cut, not refused.
const schemaOf = (d: LineageDataset) =>
  d.schema.slice(0, 5000).map((f) => ({ name: f.name.slice(0, 256), type: f.type.slice(0, 100) || 'unknown' }));

/**
 * OpenLineage ingest: a completed run's input and output datasets become dataset versions with
 * their lineage (column lineage included), and a run that produced a model artefact is linked to
 * that model version. Idempotent by run id, event type and event time.
 */
export function createLineageService(deps: LineageDeps) {
  const { repo, inventory } = deps;

  async function record(tx: Tx, ctx: RequestContext, e: LineageEvent, result: LineageResult): Promise<string | null> {
    const resolved = new Map<LineageDataset, { id: string; name: string }>();
    for (const d of [...e.inputs, ...e.outputs]) {
      const found = await inventory.dataset(tx, d.stewardName ?? d.name);
      if (found) resolved.set(d, found);
      else
        result.unmapped.push({
          namespace: d.namespace,
          name: d.name,
          reason: d.stewardName
            ? `no dataset '${d.stewardName}' in the inventory`
            : 'not in the inventory: register it, or name its Steward dataset in a steward facet ({"dataset": name})',
        });
    }
    const inputs: { d: LineageDataset; dataset: string; version: number }[] = [];
    for (const d of e.inputs) {
      const ds = resolved.get(d);
      if (!ds) continue;
      const digest = d.datasetVersion && SHA256.test(d.datasetVersion) ? d.datasetVersion : undefined;
      let v = await inventory.findVersion(tx, ds.id, digest ? { digest } : { latest: true });
      let created = false;
      if (!v) {
        v = await inventory.createVersion(tx, ctx, ds.name, {
          digest: digestOf(d, undefined),
          rowCount: 0,
          schema: schemaOf(d),
          description: `read by OpenLineage run ${e.runId} (${e.job.namespace}/${e.job.name})`,
          derivedFrom: [],
        });
        created = true;
      }
      inputs.push({ d, dataset: ds.name, version: v.version });
      result.datasetVersions.push({ role: 'input', dataset: ds.name, version: v.version, digest: v.digest, created });
    }
    for (const d of e.outputs) {
      const ds = resolved.get(d);
      if (!ds) continue;
      const digest = digestOf(d, { runId: e.runId, eventTime: e.eventTime });
      const existing = await inventory.findVersion(tx, ds.id, { digest });
      if (existing) {
        result.datasetVersions.push({
          role: 'output',
          dataset: ds.name,
          version: existing.version,
          digest,
          created: false,
        });
        continue;
      }
      const derivedFrom = inputs.map((i) => ({
        dataset: i.dataset,
        version: i.version,
        columns: Object.entries(d.columnLineage)
          .map(([column, fields]) => ({
            column,
            from: fields.filter((f) => f.namespace === i.d.namespace && f.name === i.d.name).map((f) => f.field),
          }))
          .filter((c) => c.from.length > 0),
      }));
      const v = await inventory.createVersion(tx, ctx, ds.name, {
        digest,
        rowCount: d.rowCount ?? 0,
        schema: schemaOf(d),
        description: `written by OpenLineage run ${e.runId} (${e.job.namespace}/${e.job.name})`,
        derivedFrom,
      });
      result.datasetVersions.push({ role: 'output', dataset: ds.name, version: v.version, digest, created: true });
    }
    // The model version the run produced: named by the steward run facet, or an output whose
    // version is a registered artefact's digest.
    if (e.model) {
      const v = await inventory.version(tx, e.model.name, e.model.version);
      if (!v)
        throw new DomainError('invalid_reference', `model '${e.model.name}' has no version ${e.model.version}`, {
          errors: [{ pointer: '/run/facets/steward', message: 'no such model version' }],
        });
      result.modelVersion = { model: e.model.name, version: e.model.version };
      return v.id;
    }
    for (const d of e.outputs) {
      if (!d.datasetVersion || !SHA256.test(d.datasetVersion)) continue;
      const produced = await inventory.byArtifactDigest(tx, d.datasetVersion);
      if (produced.length === 1) {
        result.modelVersion = { model: produced[0]!.model, version: produced[0]!.version };
        return produced[0]!.id;
      }
    }
    return null;
  }

  return {
    /** Records one RunEvent (see the factory); a repeated event answers as the first did. */
    async ingest(ctx: RequestContext, body: unknown): Promise<{ result: LineageResult; created: boolean }> {
      const read = readRunEvent(body);
      if (!read.ok)
        throw new DomainError('validation_failed', 'the event is not an OpenLineage 2-0-2 RunEvent', {
          errors: read.errors,
        });
      const e = read.event;
      return deps.transact(async (tx) => {
        const seen = await repo.find(tx, e.runId, e.eventType, e.eventTime);
        if (seen) return { result: { ...(JSON.parse(seen.result) as LineageResult), duplicate: true }, created: false };
        const result: LineageResult = {
          runId: e.runId,
          eventType: e.eventType,
          eventTime: e.eventTime,
          job: e.job,
          duplicate: false,
          datasetVersions: [],
          unmapped: [],
          modelVersion: null,
        };
        // Only a completed run's outputs exist; other events are kept as the run's history.
        const versionId = e.eventType === 'COMPLETE' ? await record(tx, ctx, e, result) : null;
        await repo.insert(tx, {
          id: deps.ids.next(),
          run_id: e.runId,
          event_type: e.eventType,
          event_time: e.eventTime,
          job_namespace: e.job.namespace,
          job_name: e.job.name,
          producer: e.producer,
          model_version_id: versionId,
          result: JSON.stringify(result),
          created_at: deps.clock.now().toISOString(),
          created_by: actorId(ctx),
        });
        await deps.audit.append(tx, ctx, {
          action: 'lineage.ingest',
          subject: { type: 'lineage-run', id: e.runId },
          after: result,
        });
        return { result, created: true };
      });
    },

    /** The runs that produced a model version, newest first. */
    async ofVersion(model: string, version: number): Promise<LineageResult[]> {
      const v = await inventory.version(deps.db, model, version);
      if (!v) throw new DomainError('not_found', `model '${model}' has no version ${version}`);
      return (await repo.ofVersion(deps.db, v.id)).map((r) => JSON.parse(r.result) as LineageResult);
    },
  };
}

export type LineageService = ReturnType<typeof createLineageService>;
