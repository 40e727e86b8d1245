import type { Readable } from 'node:stream';
import type { Executor } from '../../db/database.ts';
import type { EvaluationSpec } from '../../domain/metrics/evaluate.ts';
import type { ExplainOptions } from '../../domain/explain/explain.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import type { OnnxOptions } from '../../tabular/onnx.ts';
import { checkPredictionSource, modelDigest, openModel, type ModelFile } from '../../tabular/run.ts';
import {
  digestMismatch,
  openUri,
  readBounded,
  readVerified,
  upstreamFailed,
  type FetchPolicy,
} from '../../tabular/sources.ts';
import { formatOfPath, readEvaluationData, type DataFormat, type ParseOptions } from '../../tabular/parse.ts';
import { releaseEvaluationData } from '../../tabular/spill.ts';
import { DomainError, notFound } from '../../errors.ts';

/** A part of an evaluation upload: the data (streamed) or an ONNX model (read whole, before the data). */
export type EvaluationPart =
  { field: 'data'; stream: Readable; format: DataFormat } | { field: 'model'; stream: Readable };

/** Where the data and the model of an evaluation or a robustness run come from. */
export interface InputRequest {
  spec: EvaluationSpec;
  parse: Omit<ParseOptions, 'maxBytes'>;
  parts: AsyncIterable<EvaluationPart> | Iterable<EvaluationPart>;
  /** Evaluate a registered dataset version (read from its URI, digest checked) instead of uploaded data. */
  dataset?: { ref: string; version: number; format?: DataFormat };
  /** Run the version's own artefact (from its URI) as the model. */
  useArtifact?: boolean;
  model: OnnxOptions;
}

/** The version the evidence is for, as the evidence repository locates it. */
export interface Target {
  id: string;
  artifactDigest: string | null;
  artifactUri: string;
  team: string;
}

export interface Inputs {
  spec: EvaluationSpec;
  parsed: Awaited<ReturnType<typeof readEvaluationData>>;
  file?: ModelFile;
  opened?: Awaited<ReturnType<typeof openModel>>;
  dataset?: { name: string; version: number; digest: string; uri: string };
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

export const badRequest = (message: string, pointer: string) =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

/** The model file must be the version's registered artefact, so the evidence is about exactly it. */
function checkArtifact(bytes: Uint8Array, registered: string | null, source: string) {
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
}

/**
 * Reads what an evaluation or a robustness run needs: the model (uploaded, or the version's
 * artefact by reference, digest checked) and the data (uploaded, or a registered dataset version).
 * `mode` says whether a model is optional (an evaluation, then explained with `explain`) or
 * required (a robustness run). The caller releases `opened` when done, also on error: an opened
 * model is released here only when reading fails.
 */
export async function readInputs(
  deps: {
    db: Executor;
    datasets: Pick<DatasetRepo, 'resolveVersion'>;
    fetchPolicy: FetchPolicy;
    maxBytes: number;
    spillAfterBytes?: number;
    /**
     * Learns the model's feature columns without keeping it open here (the server opens it on a
     * worker thread); without it the model is opened in this thread and returned as `opened`.
     */
    modelSpec?: (file: ModelFile, spec: EvaluationSpec) => Promise<EvaluationSpec>;
  },
  target: Target,
  req: InputRequest,
  mode: { explain: ExplainOptions | false } | { requireModel: true },
): Promise<Inputs> {
  const { db, datasets, fetchPolicy, maxBytes, spillAfterBytes } = deps;
  const explain = 'explain' in mode ? mode.explain : false;
  const opts: ParseOptions = { ...req.parse, maxBytes, ...(spillAfterBytes !== undefined ? { spillAfterBytes } : {}) };
  let file: ModelFile | undefined;
  let opened: Awaited<ReturnType<typeof openModel>> | undefined;
  let parsed: Inputs['parsed'] | undefined;
  let dataset: Inputs['dataset'];
  let spec = req.spec;
  const noModel = () => {
    if ('requireModel' in mode)
      throw badRequest(
        "a robustness run perturbs the model's inputs: send the ONNX model as a model part before the data, or set useArtifact=true",
        '/useArtifact',
      );
    checkPredictionSource(spec, false, explain);
  };
  const open = async (f: ModelFile) => {
    checkArtifact(f.bytes, target.artifactDigest, f.source);
    checkPredictionSource(spec, true, explain);
    if (deps.modelSpec && !('requireModel' in mode)) spec = await deps.modelSpec(f, spec);
    else {
      opened = await openModel(f, spec);
      spec = opened.spec;
    }
    checkPredictionSource(spec, true, explain);
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
            '/parts/model',
          );
        if (parsed)
          throw badRequest(
            'send the model part before the data part: the model says which columns to read',
            '/parts/model',
          );
        await open({
          bytes: await readBounded(part.stream, maxBytes, 'the model file'),
          source: 'upload',
          options: req.model,
        });
      } else {
        if (parsed) throw badRequest('send one data part', '/parts/data');
        if (req.dataset)
          throw badRequest('evaluate either uploaded data or a registered dataset version, not both', '/parts/data');
        if (!file) noModel();
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
      if (!format) throw badRequest(`cannot tell the format of ${d.uri}; give datasetFormat`, '/datasetFormat');
      if (!file) noModel();
      const uri = d.uri;
      // The digest is checked before a byte is parsed: parse errors quote cell values.
      // Known as soon as it is read, so that data spilled to files is removed if the digest check
      // that follows the read fails.
      parsed = await upstream(uri, () =>
        readVerified(
          uri,
          fetchPolicy,
          d.ownerTeam,
          d.digest,
          { maxBytes, what: 'dataset' },
          async (stream) => (parsed = await readEvaluationData(stream, format, spec, opts)),
        ),
      );
      dataset = { name: d.dataset, version: d.version, digest: d.digest, uri: d.uri };
    }
    if (!parsed)
      throw badRequest(
        'no evaluation data: send it as the body, as a multipart part named data, or reference a dataset version',
        '/parts',
      );
    return { spec, parsed, ...(file ? { file } : {}), ...(opened ? { opened } : {}), ...(dataset ? { dataset } : {}) };
  } catch (err) {
    await opened?.loaded.release();
    // Data read before a later part was refused may have left its columns in files.
    releaseEvaluationData(parsed?.data);
    throw err;
  }
}
