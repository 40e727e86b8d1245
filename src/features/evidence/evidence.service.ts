import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { EvidenceTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { registrationChecks, type RegisteredVersion } from '../../domain/registration-checks.ts';
import type { EvaluationSpec } from '../../domain/metrics/evaluate.ts';
import type { ExplainOptions } from '../../domain/explain/explain.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import type { OnnxOptions } from '../../tabular/onnx.ts';
import { checkPredictionSource, modelDigest, openModel, runEvaluation, type ModelFile } from '../../tabular/run.ts';
import {
  digestMismatch,
  openUri,
  readBounded,
  readVerified,
  upstreamFailed,
  type FetchPolicy,
} from '../../tabular/sources.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import { DomainError, notFound } from '../../errors.ts';
import { VERSION } from '../../version.ts';
import { authorize } from '../common/authorize.ts';
import type { Emit } from '../../events.ts';
import type { Admission } from '../../lib/admission.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { EvidenceRepo } from './evidence.repo.ts';
import { formatOfPath, readEvaluationData, type DataFormat, type ParseOptions } from '../../tabular/parse.ts';

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
  /** Emits `evidence.recorded` inside the transaction that recorded new evidence for a version. */
  events: Emit;
  /** Serialises evidence with the version's signatures and promotions (row lock on PostgreSQL). */
  lock?: (tx: Tx, model: string, version: number) => Promise<void>;
  /** Bounds the evaluations running at once (each holds memory and CPU until it is done). */
  admission?: Pick<Admission, 'enter'>;
}

/** A part of an evaluation upload: the data (streamed) or an ONNX model (read whole, before the data). */
export type EvaluationPart =
  { field: 'data'; stream: Readable; format: DataFormat } | { field: 'model'; stream: Readable };

export interface EvaluationRequest {
  spec: EvaluationSpec;
  parse: Omit<ParseOptions, 'maxBytes'>;
  parts: AsyncIterable<EvaluationPart> | Iterable<EvaluationPart>;
  /** Evaluate a registered dataset version (read from its URI, digest checked) instead of uploaded data. */
  dataset?: { ref: string; version: number; format?: DataFormat };
  /** Run the version's own artefact (from its URI) as the model. */
  useArtifact?: boolean;
  model: OnnxOptions;
  explain: ExplainOptions | false;
}

/** Runs a read of a referenced URI; failures that are not the data's own problems are the upstream's. */
async function upstream<T>(uri: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw upstreamFailed(uri, err);
  }
}

const badRequest = (message: string, pointer: string) =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

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
  events,
  lock,
  admission,
}: EvidenceServiceDeps) {
  /** The model file must be the version's registered artefact, so the evidence is about exactly it. */
  const checkArtifact = (bytes: Uint8Array, registered: string | null, source: string) => {
    const digest = modelDigest(bytes);
    if (registered === null || digest === registered) return;
    // An uploaded model is the caller's own bytes; a file read by reference is not, and its
    // digest is not told (it would let a reference be re-registered with it).
    if (source !== 'upload') throw digestMismatch(source, 'model artefact');
    throw new DomainError(
      'conflict',
      `the model uploaded has digest ${digest}, not the version's artefact digest ${registered}`,
      { extra: { modelDigest: digest, artifactDigest: registered } },
    );
  };

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
        return await this.evaluateAdmitted(ctx, target, model, version, req);
      } finally {
        release?.();
      }
    },

    /** An evaluation that holds its admission slot (see `evaluate`). */
    async evaluateAdmitted(
      ctx: RequestContext,
      target: NonNullable<Awaited<ReturnType<EvidenceRepo['locateVersion']>>>,
      model: string,
      version: number,
      req: EvaluationRequest,
    ): Promise<Evidence> {
      const opts: ParseOptions = { ...req.parse, maxBytes };
      let file: ModelFile | undefined;
      let opened: Awaited<ReturnType<typeof openModel>> | undefined;
      let parsed: Awaited<ReturnType<typeof readEvaluationData>> | undefined;
      let dataset: { name: string; version: number; digest: string; uri: string } | undefined;
      let spec = req.spec;
      const open = async (f: ModelFile) => {
        checkArtifact(f.bytes, target.artifactDigest, f.source);
        checkPredictionSource(spec, true, req.explain);
        opened = await openModel(f, spec);
        spec = opened.spec;
        checkPredictionSource(spec, true, req.explain);
        file = f;
      };
      try {
        if (req.useArtifact)
          await open({
            bytes: await upstream(target.artifactUri, async () =>
              readBounded(await openUri(target.artifactUri, fetchPolicy, target.team), maxBytes, 'the model artefact'),
            ),
            source: target.artifactUri,
            options: req.model,
          });
        for await (const part of req.parts) {
          if (part.field === 'model') {
            if (file)
              throw badRequest(
                req.useArtifact
                  ? "useArtifact runs the version's artefact; do not upload a model as well"
                  : 'send one model part',
                '/body/model',
              );
            if (parsed)
              throw badRequest(
                'send the model part before the data part: the model says which columns to read',
                '/body/model',
              );
            await open({
              bytes: await readBounded(part.stream, maxBytes, 'the model file'),
              source: 'upload',
              options: req.model,
            });
          } else {
            if (parsed) throw badRequest('send one data part', '/body/data');
            if (req.dataset)
              throw badRequest('evaluate either uploaded data or a registered dataset version, not both', '/body/data');
            if (!file) checkPredictionSource(spec, false, req.explain);
            parsed = await readEvaluationData(part.stream, part.format, spec, opts);
          }
        }
        if (req.dataset) {
          const d = await datasets.resolveVersion(db, req.dataset.ref, req.dataset.version);
          if (!d) throw notFound('dataset version', `${req.dataset.ref}/${req.dataset.version}`);
          if (!d.uri)
            throw new DomainError(
              'invalid_reference',
              `dataset version ${d.dataset}/${d.version} has no URI to read it from`,
            );
          const format = req.dataset.format ?? formatOfPath(new URL(d.uri, 'file:///').pathname);
          if (!format)
            throw badRequest(`cannot tell the format of ${d.uri}; give datasetFormat`, '/querystring/datasetFormat');
          if (!file) checkPredictionSource(spec, false, req.explain);
          const uri = d.uri;
          // The digest is checked before a byte is parsed: parse errors quote cell values.
          parsed = await upstream(uri, () =>
            readVerified(uri, fetchPolicy, d.ownerTeam, d.digest, { maxBytes, what: 'dataset' }, (stream) =>
              readEvaluationData(stream, format, spec, opts),
            ),
          );
          dataset = { name: d.dataset, version: d.version, digest: d.digest, uri: d.uri };
        }
        if (!parsed)
          throw badRequest(
            'no evaluation data: send it as the body, as a multipart part named data, or reference a dataset version',
            '/body',
          );
        const result = await runEvaluation(
          spec,
          parsed.data,
          parsed.profile,
          opened && file && { loaded: opened.loaded, file },
          req.explain,
          req.parse.positiveLabel,
        );
        const storedSpec = {
          ...spec,
          ...(dataset ? { dataset: { name: dataset.name, version: dataset.version } } : {}),
          ...(file ? { model: req.model, explain: req.explain } : {}),
        };
        const row: EvidenceTable = {
          id: ids.next(),
          model_version_id: target.id,
          kind: 'evaluation',
          content_hash: '',
          artifact_digest: target.artifactDigest ?? (file ? modelDigest(file.bytes) : null),
          data_digest: parsed.digest,
          spec: canonicalize(storedSpec),
          engine: ENGINE,
          result: canonicalize(result),
          metrics: canonicalize(result.metrics),
          created_at: clock.now().toISOString(),
          created_by: actorId(ctx),
        };
        row.content_hash = `sha256:${createHash('sha256')
          .update(
            canonicalize({
              kind: row.kind,
              artifactDigest: row.artifact_digest,
              dataDigest: row.data_digest,
              spec: storedSpec,
              engine: row.engine,
              result,
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
      } finally {
        await opened?.loaded.release();
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

    /** Evidence of a version as the policy's status machinery reads it: one `check` per metric. */
    async recordsFor(exec: Executor, versionId: string): Promise<EvidenceRecord[]> {
      const rows = await repo.ofVersion(exec, versionId);
      // Only the latest monitor configuration stands; each names the pack monitors it provides.
      const monitor = rows.filter((r) => r.kind === 'monitoring').at(-1);
      return rows.flatMap((r): EvidenceRecord[] => {
        if (r.kind === 'monitoring')
          return r === monitor
            ? (JSON.parse(r.spec) as { monitors: string[] }).monitors.map((m) => ({
                id: r.id,
                kind: 'monitoring' as const,
                monitor: m,
              }))
            : [];
        if (r.kind === 'monitoring-alert') return [];
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
