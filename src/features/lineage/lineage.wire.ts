// OpenLineage RunEvents on the wire: validated against the specification's own JSON schema, then
// read into the few things Steward records (datasets in and out, column lineage, the artefact).

import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorField } from '../../errors.ts';
import { COLUMN_LINEAGE_FACET_SCHEMA, OPENLINEAGE_SCHEMA } from './openlineage.spec.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
// The specification is draft 2020-12 (the rest of the API's schemas are draft-07).
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(OPENLINEAGE_SCHEMA as object);
ajv.addSchema(COLUMN_LINEAGE_FACET_SCHEMA as object);
const validateRunEvent = ajv.compile({ $ref: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent' });
const validateColumnLineage = ajv.compile({
  $ref: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
});

/** A dataset an event names: its OpenLineage identity and what its facets say. */
export interface LineageDataset {
  namespace: string;
  name: string;
  /** `facets.steward.dataset`: the Steward dataset it is, when its name is not that dataset's. */
  stewardName: string | undefined;
  /** `facets.version.datasetVersion`. */
  datasetVersion: string | undefined;
  schema: { name: string; type: string }[];
  rowCount: number | undefined;
  /** Output column → the input columns (`namespace`, `name`, `field`) it was computed from. */
  columnLineage: Record<string, { namespace: string; name: string; field: string }[]>;
}

export interface LineageEvent {
  eventType: string;
  eventTime: string;
  producer: string;
  runId: string;
  job: { namespace: string; name: string };
  /** `run.facets.steward` naming the model version the run produced. */
  model: { name: string; version: number } | undefined;
  inputs: LineageDataset[];
  outputs: LineageDataset[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function toFields(errors: ErrorObject[] | null | undefined, at = ''): ErrorField[] {
  return (errors ?? []).slice(0, 20).map((e) => ({
    pointer: `${at}${e.instancePath}`,
    message:
      e.keyword === 'required'
        ? `must have ${(e.params as { missingProperty: string }).missingProperty}`
        : e.keyword === 'enum'
          ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
          : (e.message ?? 'is invalid'),
  }));
}

function readDataset(raw: unknown, index: number, side: 'inputs' | 'outputs', problems: ErrorField[]): LineageDataset {
  const d = obj(raw);
  const facets = obj(d.facets);
  const schemaFields = Array.isArray(obj(facets.schema).fields) ? (obj(facets.schema).fields as unknown[]) : [];
  const columnFacet = facets.columnLineage;
  const columnLineage: LineageDataset['columnLineage'] = {};
  if (columnFacet !== undefined) {
    if (!validateColumnLineage(columnFacet))
      problems.push(...toFields(validateColumnLineage.errors, `/${side}/${index}/facets/columnLineage`));
    else
      for (const [column, spec] of Object.entries(obj(obj(columnFacet).fields)))
        columnLineage[column] = ((obj(spec).inputFields as unknown[]) ?? []).map((f) => ({
          namespace: str(obj(f).namespace) ?? '',
          name: str(obj(f).name) ?? '',
          field: str(obj(f).field) ?? '',
        }));
  }
  const stats = obj(side === 'outputs' ? obj(d.outputFacets).outputStatistics : undefined);
  return {
    namespace: str(d.namespace) ?? '',
    name: str(d.name) ?? '',
    stewardName: str(obj(facets.steward).dataset),
    datasetVersion: str(obj(facets.version).datasetVersion),
    schema: schemaFields
      .map((f) => ({ name: str(obj(f).name) ?? '', type: str(obj(f).type) ?? 'unknown' }))
      .filter((f) => f.name !== ''),
    rowCount:
      typeof stats.rowCount === 'number' && Number.isSafeInteger(stats.rowCount) && stats.rowCount >= 0
        ? stats.rowCount
        : undefined,
    columnLineage,
  };
}

/**
 * Validates a RunEvent against OpenLineage 2-0-2 (and the column lineage facet where present) and
 * reads it; the problems carry JSON pointers into the event.
 */
export function readRunEvent(body: unknown): { ok: true; event: LineageEvent } | { ok: false; errors: ErrorField[] } {
  if (!validateRunEvent(body)) return { ok: false, errors: toFields(validateRunEvent.errors) };
  const e = obj(body);
  const problems: ErrorField[] = [];
  const inputs = ((e.inputs as unknown[]) ?? []).map((d, i) => readDataset(d, i, 'inputs', problems));
  const outputs = ((e.outputs as unknown[]) ?? []).map((d, i) => readDataset(d, i, 'outputs', problems));
  const steward = obj(obj(obj(e.run).facets).steward);
  let model: LineageEvent['model'];
  if (Object.keys(steward).length > 0) {
    const name = str(steward.model);
    const version = steward.version;
    if (!name || typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      problems.push({
        pointer: '/run/facets/steward',
        message: 'must name the model version the run produced: {"model": name, "version": number}',
      });
    else model = { name, version };
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  return {
    ok: true,
    event: {
      eventType: str(e.eventType) ?? 'OTHER',
      eventTime: str(e.eventTime)!,
      producer: str(e.producer)!,
      runId: str(obj(e.run).runId)!,
      job: { namespace: str(obj(e.job).namespace)!, name: str(obj(e.job).name)! },
      model,
      inputs,
      outputs,
    },
  };
}
