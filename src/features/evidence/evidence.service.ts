import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { EvidenceTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { registrationChecks, type RegisteredVersion } from '../../domain/registration-checks.ts';
import type { ExplainOptions } from '../../domain/explain/explain.ts';
import { robustnessProblems, type RobustnessOptions } from '../../domain/robustness/options.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import { modelDigest } from '../../tabular/run.ts';
import { releaseEvaluationData } from '../../tabular/spill.ts';
import { runRobustness } from '../../tabular/robustness.ts';
import { inThreadCompute, type TabularCompute } from '../../tabular/compute.ts';
import type { FetchPolicy } from '../../tabular/sources.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import { DomainError, notFound } from '../../errors.ts';
import { VERSION } from '../../version.ts';
import { authorize } from '../common/authorize.ts';
import type { Emit } from '../../events.ts';
import type { Admission } from '../../lib/admission.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { EvidenceRepo } from './evidence.repo.ts';
import { readInputs, type InputRequest, type Target } from './evidence.inputs.ts';

export type { EvaluationPart } from './evidence.inputs.ts';

export const ENGINE = `steward-evaluation/${VERSION}`;

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
  datasets: Pick<DatasetRepo, 'resolveVersion'>;
  fetchPolicy: FetchPolicy;
  /** Largest data stream or model file read, in bytes. */
  maxBytes: number;
  /** Bytes an evaluation may take in memory before it moves its columns to files (default SPILL_AFTER_BYTES). */
  spillAfterBytes?: number;
  /** Emits `evidence.recorded` inside the transaction that recorded new evidence for a version. */
  events: Emit;
  /** Serialises evidence with the version's signatures and promotions (row lock on PostgreSQL). */
  lock?: (tx: Tx, model: string, version: number) => Promise<void>;
  /** Bounds the evaluations running at once (each holds memory and CPU until it is done). */
  admission?: Pick<Admission, 'enter'>;
  /** Where the CPU-bound part of an evaluation runs (a worker pool in the server; default: this thread). */
  compute?: TabularCompute;
}

export interface EvaluationRequest extends InputRequest {
  explain: ExplainOptions | false;
}

export interface RobustnessRequest extends InputRequest {
  robustness: RobustnessOptions;
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

export function createEvidenceService({
  db,
  transact,
  audit,
  clock,
  ids,
  repo,
  datasets,
  fetchPolicy,
  maxBytes,
  spillAfterBytes,
  events,
  lock,
  admission,
  compute = inThreadCompute,
}: EvidenceServiceDeps) {
  const inputDeps = {
    db,
    datasets,
    fetchPolicy,
    maxBytes,
    ...(spillAfterBytes !== undefined ? { spillAfterBytes } : {}),
  };

  /**
   * Stores computed evidence (an evaluation, a robustness run) bound to the artefact and data
   * digests, hashed over its content, with its audit event and `evidence.recorded`, in one
   * transaction that re-checks the version and the caller's right to it.
   */
  const storeComputed = async (
    ctx: RequestContext,
    target: Target,
    model: string,
    version: number,
    c: {
      kind: string;
      artifactDigest: string | null;
      dataDigest: string;
      spec: unknown;
      result: { metrics: Record<string, number | null> };
    },
  ): Promise<Evidence> => {
    const row: EvidenceTable = {
      id: ids.next(),
      model_version_id: target.id,
      kind: c.kind,
      content_hash: '',
      artifact_digest: c.artifactDigest,
      data_digest: c.dataDigest,
      spec: canonicalize(c.spec),
      engine: ENGINE,
      result: canonicalize(c.result),
      metrics: canonicalize(c.result.metrics),
      created_at: clock.now().toISOString(),
      created_by: actorId(ctx),
    };
    row.content_hash = `sha256:${createHash('sha256')
      .update(
        canonicalize({
          kind: row.kind,
          artifactDigest: row.artifact_digest,
          dataDigest: row.data_digest,
          spec: c.spec,
          engine: row.engine,
          result: c.result,
        }),
      )
      .digest('hex')}`;
    const evidence = toEvidence(row, model, version);
    await transact(async (tx) => {
      await lock?.(tx, model, version);
      // The version may have changed hands while the data streamed in.
      const again = await repo.locateVersion(tx, model, version);
      if (!again) throw notFound('model version', `${model}/${version}`);
      authorize(ctx, 'version:write', again.team);
      await repo.insert(tx, row);
      await audit.append(tx, ctx, {
        action: 'evidence.create',
        subject: { type: 'model-version', id: target.id },
        after: { ...evidence, result: undefined },
      });
      await events.emit(tx, 'evidence.recorded', { ctx, versionId: target.id });
    });
    return evidence;
  };

  /** An evaluation that holds its admission slot (see `evaluate`). */
  async function evaluateAdmitted(
    ctx: RequestContext,
    target: Target,
    model: string,
    version: number,
    req: EvaluationRequest,
  ): Promise<Evidence> {
    // The model is opened off the event loop only to learn its feature columns; the data streams in here.
    const { spec, parsed, file, dataset } = await readInputs(
      { ...inputDeps, modelSpec: compute.modelSpec },
      target,
      req,
      { explain: req.explain },
    );
    const artifactDigest = target.artifactDigest ?? (file ? modelDigest(file.bytes) : null);
    // Metrics, predictions and explanations run on the worker pool; the parsed columns and the
    // model bytes move there and are not read here again. Columns spilled to files are removed
    // once the evaluation is done with them.
    let result;
    try {
      result = await compute.evaluate({
        spec,
        data: parsed.data,
        profile: parsed.profile,
        model: file && { bytes: file.bytes, source: file.source, options: file.options },
        explain: req.explain,
        positiveLabel: req.parse.positiveLabel,
      });
    } finally {
      releaseEvaluationData(parsed.data);
    }
    const storedSpec = {
      ...spec,
      ...(dataset ? { dataset: { name: dataset.name, version: dataset.version } } : {}),
      ...(file ? { model: req.model, explain: req.explain } : {}),
    };
    return storeComputed(ctx, target, model, version, {
      kind: 'evaluation',
      artifactDigest,
      dataDigest: parsed.digest,
      spec: storedSpec,
      result,
    });
  }

  return {
    /**
     * Evaluates data against a version and stores the result as immutable evidence bound to the
     * artefact digest and the digest of the data. The predictions come from a column, or from an
     * ONNX model (uploaded, or the version's artefact) which is then also explained.
     */
    async evaluate(ctx: RequestContext, model: string, version: number, req: EvaluationRequest): Promise<Evidence> {
      const target = await repo.locateVersion(db, model, version);
      if (!target) throw notFound('model version', `${model}/${version}`);
      authorize(ctx, 'version:write', target.team);
      const release = admission?.enter(ctx.principal?.userId ?? 'system');
      try {
        return await evaluateAdmitted(ctx, target, model, version, req);
      } finally {
        release?.();
      }
    },

    /**
     * A robustness run: perturbs the inputs of the version's ONNX model (uploaded, or its artefact)
     * on the data and stores each metric's degradation curve, overall and per subgroup, as evidence
     * whose flat metrics (`robustness.auc-drop@0.1sd`...) satisfy policy `check` measures.
     */
    async robustness(ctx: RequestContext, model: string, version: number, req: RobustnessRequest): Promise<Evidence> {
      const problems = robustnessProblems(req.robustness);
      if (problems.length > 0)
        throw new DomainError('validation_failed', problems.map((p) => p.message).join('; '), {
          errors: problems.map((p) => ({ pointer: p.pointer, message: p.message })),
        });
      const target = await repo.locateVersion(db, model, version);
      if (!target) throw notFound('model version', `${model}/${version}`);
      authorize(ctx, 'version:write', target.team);
      const release = admission?.enter(ctx.principal?.userId ?? 'system');
      try {
        const { spec, parsed, file, opened, dataset } = await readInputs(inputDeps, target, req, {
          requireModel: true,
        });
        try {
          const result = await runRobustness(
            spec,
            parsed.data,
            { loaded: opened!.loaded, file: file! },
            req.robustness,
            req.parse.positiveLabel,
          );
          return await storeComputed(ctx, target, model, version, {
            kind: 'robustness',
            artifactDigest: target.artifactDigest ?? modelDigest(file!.bytes),
            dataDigest: parsed.digest,
            spec: {
              ...spec,
              ...(dataset ? { dataset: { name: dataset.name, version: dataset.version } } : {}),
              model: req.model,
              robustness: req.robustness,
            },
            result,
          });
        } finally {
          await opened?.loaded.release();
          // The columns of data too large for memory were written to a temporary directory.
          releaseEvaluationData(parsed.data);
        }
      } finally {
        release?.();
      }
    },

    /** Runs the registration checks of a new governed version and records them as evidence, in the registering transaction. */
    async recordRegistrationChecks(
      tx: Tx,
      ctx: RequestContext,
      versionId: string,
      v: RegisteredVersion,
    ): Promise<void> {
      const checks = registrationChecks(v);
      const metrics = {
        'registration-checks-failed': checks.filter((c) => c.severity === 'failure' && !c.passed).length,
      };
      const row: EvidenceTable = {
        id: ids.next(),
        model_version_id: versionId,
        kind: 'registration-checks',
        content_hash: '',
        artifact_digest: v.artifactDigest,
        data_digest: null,
        spec: '{}',
        engine: ENGINE,
        result: canonicalize({ checks }),
        metrics: canonicalize(metrics),
        created_at: clock.now().toISOString(),
        created_by: actorId(ctx),
      };
      row.content_hash = `sha256:${createHash('sha256')
        .update(
          canonicalize({ kind: row.kind, artifactDigest: row.artifact_digest, engine: row.engine, result: { checks } }),
        )
        .digest('hex')}`;
      await repo.insert(tx, row);
      await audit.append(tx, ctx, {
        action: 'evidence.create',
        subject: { type: 'model-version', id: versionId },
        after: { ...toEvidence(row, v.model, v.version), result: undefined },
      });
    },

    /**
     * Records a document (model card, DPIA, deployment plan, ...) as evidence of a version: its kind
     * is what policy `document` measures ask for; the content (Markdown) or a URI with its digest.
     */
    async addDocument(
      ctx: RequestContext,
      model: string,
      version: number,
      doc: { kind: string; title: string; uri?: string; digest?: string; content?: string },
    ): Promise<Evidence> {
      return transact((tx) => this.recordDocument(tx, ctx, model, version, doc));
    },

    /** `addDocument` inside the caller's transaction (e.g. a deployment verification recorded with it). */
    async recordDocument(
      tx: Tx,
      ctx: RequestContext,
      model: string,
      version: number,
      doc: { kind: string; title: string; uri?: string; digest?: string; content?: string },
    ): Promise<Evidence> {
      {
        await lock?.(tx, model, version);
        const target = await repo.locateVersion(tx, model, version);
        if (!target) throw notFound('model version', `${model}/${version}`);
        authorize(ctx, 'version:write', target.team);
        const spec = { documentKind: doc.kind, title: doc.title, ...(doc.uri ? { uri: doc.uri } : {}) };
        const result = {
          ...spec,
          ...(doc.digest ? { digest: doc.digest } : {}),
          ...(doc.content !== undefined ? { content: doc.content } : {}),
        };
        const row: EvidenceTable = {
          id: ids.next(),
          model_version_id: target.id,
          kind: 'document',
          content_hash: '',
          artifact_digest: target.artifactDigest,
          data_digest:
            doc.digest ??
            (doc.content !== undefined ? `sha256:${createHash('sha256').update(doc.content).digest('hex')}` : null),
          spec: canonicalize(spec),
          engine: ENGINE,
          result: canonicalize(result),
          metrics: '{}',
          created_at: clock.now().toISOString(),
          created_by: actorId(ctx),
        };
        row.content_hash = `sha256:${createHash('sha256')
          .update(
            canonicalize({
              kind: row.kind,
              artifactDigest: row.artifact_digest,
              dataDigest: row.data_digest,
              spec,
              result,
            }),
          )
          .digest('hex')}`;
        await repo.insert(tx, row);
        const evidence = toEvidence(row, model, version);
        await audit.append(tx, ctx, {
          action: 'evidence.create',
          subject: { type: 'model-version', id: target.id },
          after: { ...evidence, result: { ...result, content: undefined } },
        });
        await events.emit(tx, 'evidence.recorded', { ctx, versionId: target.id });
        return evidence;
      }
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

    /** A version's evidence rows as the policy's status machinery reads them, oldest first: one `check` per metric. */
    recordsOf(rows: EvidenceTable[]): EvidenceRecord[] {
      return rows.flatMap((r): EvidenceRecord[] => {
        // A monitor configuration proves nothing by itself: monitoring evidence is what its
        // windows computed, which the monitoring feature reports.
        if (r.kind === 'monitoring' || r.kind === 'monitoring-alert') return [];
        if (r.kind === 'document')
          return [
            {
              id: r.id,
              kind: 'document' as const,
              documentKind: (JSON.parse(r.spec) as { documentKind: string }).documentKind,
              artifactDigest: r.artifact_digest,
              author: r.created_by,
            },
          ];
        const checks: EvidenceRecord[] = Object.entries(JSON.parse(r.metrics) as Record<string, number | string | null>)
          .filter(([, v]) => typeof v === 'number')
          .map(([metric, value]) => ({
            id: r.id,
            kind: 'check' as const,
            metric,
            value: value as number,
            artifactDigest: r.artifact_digest,
            // The latest result on the same artefact and data decides a check (no evidence shopping).
            dataDigest: r.data_digest,
            recordedAt: r.created_at,
          }));
        // An evaluation that ran the model carries a global explanation (permutation importance,
        // partial dependence) and local ones (Shapley values): the documents explainability measures ask for.
        const explained =
          (JSON.parse(r.result) as { explanations?: { shapley?: unknown } }).explanations?.shapley !== undefined;
        if (explained)
          for (const documentKind of ['global-explanation', 'local-explanations'])
            checks.push({
              id: r.id,
              kind: 'document',
              documentKind,
              artifactDigest: r.artifact_digest,
              computed: true,
            });
        return checks;
      });
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
