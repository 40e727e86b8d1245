// MLflow's wire format and Steward's records, both ways: parsing request values into Steward's
// terms with MLflow's own error messages, and mapping rows into MLflow's entities. Pure: no
// database, no HTTP.

import { parseFilter, FilterError, type Clause } from '../../domain/mlflow/filter.ts';
import { DomainError } from '../../errors.ts';
import { NAME_PATTERN, RESERVED_TAG_KEYS } from '../common/common.schema.ts';
import { ALIAS_PATTERN } from '../../domain/aliases.ts';
import type { VersionRecord } from '../versions/versions.repo.ts';
import type { Stage } from '../versions/versions.schema.ts';
import type { MlflowModelRow, MlflowVersionRow } from './mlflow.repo.ts';
import type { ModelVersionEntity, RegisteredModelEntity, SearchQuery, TransitionStage } from './mlflow.schema.ts';

/** A refusal in MLflow's terms: INVALID_PARAMETER_VALUE (400). */
export const invalid = (message: string) =>
  new DomainError('validation_failed', message, { extra: { mlflow: 'INVALID_PARAMETER_VALUE' } });
export const missing = (what: string) =>
  invalid(
    `Missing value for required parameter '${what}'. See the API docs for more information about request parameters.`,
  );

/**
 * A request value as a message shows it: strings up to the longest valid name, others by their
 * type or (scalars) their JSON. Messages never echo a value of unbounded size or depth.
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v.length > 256 ? `${v.slice(0, 256)}… (${v.length} characters)` : v;
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

export const modelNotFound = (name: string) =>
  new DomainError('not_found', `Registered Model with name=${shown(name)} not found`, {
    extra: { mlflow: 'RESOURCE_DOES_NOT_EXIST' },
  });
export const versionNotFound = (name: string, version: string | number) =>
  new DomainError('not_found', `Model Version (name=${name}, version=${version}) not found`, {
    extra: { mlflow: 'RESOURCE_DOES_NOT_EXIST' },
  });
export const alreadyExists = (name: string) =>
  new DomainError('conflict', `Registered Model (name=${name}) already exists.`, {
    extra: { mlflow: 'RESOURCE_ALREADY_EXISTS' },
  });

// The same rules as /api/v1's names and aliases.
const NAME = new RegExp(`^${NAME_PATTERN}`);
const ALIAS = new RegExp(ALIAS_PATTERN);

const STAGE_TO_MLFLOW: Record<string, string> = {
  development: 'None',
  qa: 'None',
  preproduction: 'Staging',
  production: 'Production',
  archived: 'Archived',
  retired: 'Archived',
};
const MLFLOW_TO_STAGE: Record<string, Stage> = {
  none: 'development',
  staging: 'preproduction',
  production: 'production',
  archived: 'archived',
};
/** Steward's stage of an MLflow stage name (any case), or undefined. */
const stageOf = (v: unknown): Stage | undefined =>
  typeof v === 'string' && Object.hasOwn(MLFLOW_TO_STAGE, v.toLowerCase())
    ? MLFLOW_TO_STAGE[v.toLowerCase()]
    : undefined;
const invalidStage = (v: unknown) =>
  invalid(`Invalid Model Version stage: ${shown(v)}. Value must be one of None, Staging, Production, Archived.`);

/** Steward's registration status as MLflow's model version status. */
export const STATUS: Record<string, string> = {
  pending: 'PENDING_REGISTRATION',
  ready: 'READY',
  failed: 'FAILED_REGISTRATION',
};
const ms = (iso: string) => Date.parse(iso);

/** A model name to create or act on: a string following /api/v1's name rule. */
export function requireName(v: unknown, what = 'name'): string {
  if (v === undefined || v === null || v === '') throw missing(what);
  if (typeof v !== 'string')
    throw invalid(`Invalid value ${shown(v)} for parameter '${what}' supplied: it must be a string`);
  if (v.length > 256 || !NAME.test(v))
    throw invalid(`Invalid name '${shown(v)}': names are non-empty, at most 256 characters, without '/' or ':'`);
  return v;
}

/** A name to look up (get requests): present; an invalid name is simply not found. */
export function lookupName(v: unknown): string {
  if (v === undefined || v === null || v === '') throw missing('name');
  return String(v);
}

/** A version number, as MLflow clients send it (a string or a number): a positive integer. */
export function requireVersion(v: unknown): number {
  if (v === undefined || v === null || v === '') throw missing('version');
  const text = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2147483647)
    throw invalid(`Model version must be an integer, got '${shown(v)}'`);
  return Number(text);
}

/** An optional string parameter of at most `max` characters. */
export function optionalString(v: unknown, what: string, max = 100_000): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw invalid(`Invalid value ${shown(v)} for parameter '${what}' supplied: it must be a string`);
  if (v.length > max) throw invalid(`'${what}' exceeds the maximum length of ${max} characters`);
  return v;
}

/** A string parameter that must be present and non-empty. */
export function requireString(v: unknown, what: string, max?: number): string {
  const s = optionalString(v, what, max);
  if (!s) throw missing(what);
  return s;
}

/** A tag key: present, at most 250 characters, and not one naming object machinery (`__proto__`). */
export function tagKey(v: unknown, what = 'key'): string {
  const key = optionalString(v, what, 250);
  if (!key) throw missing('key');
  if ((RESERVED_TAG_KEYS as readonly string[]).includes(key))
    throw invalid(`Invalid tag key '${key}': ${RESERVED_TAG_KEYS.join(', ')} are not allowed as tag keys`);
  return key;
}

/** MLflow's `[{key, value}]` as Steward's tag map. */
export function tagList(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v)) throw invalid("Invalid value for parameter 'tags': it must be a list of {key, value}");
  const out: Record<string, string> = {};
  for (const t of v as { key?: unknown; value?: unknown }[]) {
    const key = tagKey(t?.key, 'tags.key');
    out[key] = optionalString(t.value, 'tags.value') ?? '';
  }
  return out;
}

/** The artifact digest a version's tags declare, checked. */
export function digestTag(tags: Record<string, string>): string | undefined {
  const digest = tags['steward.artifact_digest'];
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw invalid(`Tag steward.artifact_digest must be sha256:<64 lowercase hex digits>, got '${shown(digest)}'`);
  return digest;
}

/** An alias name following /api/v1's alias rule (reserved names are checked by the caller). */
export function aliasName(v: unknown): string {
  if (v === undefined || v === null || v === '') throw missing('alias');
  const alias = typeof v === 'string' ? v : shown(v);
  if (typeof v !== 'string' || !ALIAS.test(alias) || alias.length > 255)
    throw invalid(
      `Invalid alias name '${shown(alias)}'. Alias names may only contain alphanumerics, underscores and dashes, at most 255 characters.`,
    );
  return alias;
}

/** The search filter of a request, parsed; anything outside the grammar is INVALID_PARAMETER_VALUE. */
export function filterOf(q: SearchQuery, entity: 'registered-models' | 'model-versions'): Clause[] {
  try {
    return parseFilter(optionalString(q.filter, 'filter', 10_000), entity);
  } catch (err) {
    if (err instanceof FilterError) throw invalid(`Invalid filter '${shown(q.filter)}': ${err.message}`);
    throw err;
  }
}

/** A page token: the offset of the next page, opaque to clients. */
export function pageOffset(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // falls through to the error below
  }
  throw invalid('Invalid page token, could not base64-decode');
}
export const tokenAt = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url');

/** A page size: a positive integer up to `max`, `fallback` when absent. */
export function maxResults(v: unknown, fallback: number, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalid(`Invalid value for max_results. It must be a positive integer at most ${max}, but got ${shown(v)}`);
  return n;
}

/** A search request's page: offset, limit and parsed filter. */
export function searchPage(
  q: SearchQuery,
  entity: 'registered-models' | 'model-versions',
  fallback: number,
  max: number,
) {
  return {
    clauses: filterOf(q, entity),
    limit: maxResults(q.max_results, fallback, max),
    offset: pageOffset(q.page_token),
  };
}

/** A list parameter: repeated in a query string, a list in a body, or a single value. */
const listOf = (v: unknown): unknown[] => ([] as unknown[]).concat(v ?? []);

/** registered-models/search's order_by: name, timestamp or last_updated_timestamp, each ASC or DESC. */
export function modelOrder(v: unknown): { column: 'name' | 'updated_at'; desc: boolean }[] {
  return listOf(v).map((o) => {
    const m = /^\s*(?:attribute\.)?(name|timestamp|last_updated_timestamp)(?:\s+(ASC|DESC))?\s*$/i.exec(
      typeof o === 'string' ? o : '',
    );
    if (!m)
      throw invalid(
        `Invalid order_by clause '${shown(o)}'. Only name, timestamp and last_updated_timestamp, each optionally followed by ASC or DESC, are allowed.`,
      );
    return {
      column: m[1]!.toLowerCase() === 'name' ? ('name' as const) : ('updated_at' as const),
      desc: m[2]?.toUpperCase() === 'DESC',
    };
  });
}

const VERSION_COLUMNS = {
  name: 'm.name',
  version_number: 'v.version',
  creation_timestamp: 'v.created_at',
  timestamp: 'v.created_at',
  last_updated_timestamp: 'v.updated_at',
} as const;
export type VersionOrder = { column: (typeof VERSION_COLUMNS)[keyof typeof VERSION_COLUMNS]; desc: boolean };

/** model-versions/search's order_by; MLflow's default: last updated first. */
export function versionOrder(v: unknown): VersionOrder[] {
  const given = listOf(v).map((o) => {
    const m =
      /^\s*(?:attribute\.)?(name|version_number|creation_timestamp|timestamp|last_updated_timestamp)(?:\s+(ASC|DESC))?\s*$/i.exec(
        typeof o === 'string' ? o : '',
      );
    if (!m)
      throw invalid(
        `Invalid order_by clause '${shown(o)}'. Only name, version_number, creation_timestamp and last_updated_timestamp, each optionally followed by ASC or DESC, are allowed.`,
      );
    return {
      column: VERSION_COLUMNS[m[1]!.toLowerCase() as keyof typeof VERSION_COLUMNS],
      desc: m[2]?.toUpperCase() === 'DESC',
    };
  });
  // MLflow's default order: last updated first, then name, then the highest version.
  return given.length ? given : [{ column: 'v.updated_at', desc: true }];
}

/**
 * get-latest-versions' stages as the Steward stages they cover (None covers development and qa,
 * Archived covers retired); undefined: every stage.
 */
export function stagesCovered(v: unknown): string[] | undefined {
  const stages = listOf(v).map((s) => stageOf(s) ?? throwing(invalidStage(s)));
  if (stages.length === 0) return undefined;
  return [
    ...new Set(
      stages.flatMap((s) =>
        Object.entries(STAGE_TO_MLFLOW)
          .filter(([, m]) => m === STAGE_TO_MLFLOW[s])
          .map(([k]) => k),
      ),
    ),
  ];
}
const throwing = (err: Error): never => {
  throw err;
};

/** One per MLflow stage: the highest version among the Steward stages it covers, by number. */
export function latestPerMlflowStage(rows: MlflowVersionRow[]): MlflowVersionRow[] {
  const best = new Map<string, MlflowVersionRow>();
  for (const v of rows) {
    const key = STAGE_TO_MLFLOW[v.stage] ?? 'None';
    if (!best.has(key) || best.get(key)!.version < v.version) best.set(key, v);
  }
  return [...best.values()].sort((a, b) => a.version - b.version);
}

/** transition-stage's request: the Steward stage, whether to archive the others, and the name shown. */
export function transitionOf(body: TransitionStage): { stage: Stage; archive: boolean; label: string } {
  if (body.stage === undefined || body.stage === null || body.stage === '') throw missing('stage');
  const stage = stageOf(body.stage);
  if (!stage) throw invalidStage(body.stage);
  const label = body.stage as string;
  if (body.archive_existing_versions === undefined || body.archive_existing_versions === null)
    throw missing('archive_existing_versions');
  const archive =
    body.archive_existing_versions === true ||
    (typeof body.archive_existing_versions === 'string' && body.archive_existing_versions.toLowerCase() === 'true');
  if (archive && stage !== 'preproduction' && stage !== 'production')
    throw invalid(
      `Model version transition cannot archive existing model versions because '${label}' is not an Active stage. Valid stages are Staging and Production.`,
    );
  return { stage, archive, label };
}

/** Groups rows by a key once, so a page is joined in linear time. */
export function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

// A deployment shows as the stage it amounts to: production over preproduction over the recorded stage.
const deployedStage = (recorded: string, envs: string[]) =>
  envs.includes('production')
    ? 'production'
    : envs.includes('preproduction') && recorded !== 'production'
      ? 'preproduction'
      : recorded;

/** What a version's entity shows besides its row. */
export interface VersionExtras {
  tags: { key: string; value: string }[];
  aliases: string[];
  environments: string[];
  user: string | undefined;
}

/** Steward's version record in the shape of the protocol's version row. */
export function versionRowOf(r: VersionRecord): MlflowVersionRow {
  return {
    id: r.id,
    model_id: r.modelId,
    name: r.model,
    version: r.version,
    artifact_uri: r.artifactUri,
    description: r.description,
    stage: r.stage,
    status: r.status,
    status_message: r.statusMessage,
    run_id: r.runId,
    run_link: r.runLink,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    created_by: r.createdBy,
  };
}

/**
 * A tag map as MLflow's list, ordered as SQLite's `ORDER BY key` orders them (by UTF-8 bytes;
 * JavaScript's own string order differs for characters beyond U+FFFF).
 */
export function tagsInKeyOrder(tags: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(tags)
    .map(([key, value]) => ({ key, value, bytes: Buffer.from(key) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ key, value }) => ({ key, value }));
}

/** A version row as MLflow's ModelVersion: unset fields omitted, deployments shown as the stage. */
export function toModelVersion(r: MlflowVersionRow, x: VersionExtras): ModelVersionEntity {
  return {
    name: r.name,
    version: String(r.version),
    creation_timestamp: ms(r.created_at),
    last_updated_timestamp: ms(r.updated_at),
    ...(x.user ? { user_id: x.user } : {}),
    current_stage: (STAGE_TO_MLFLOW[deployedStage(r.stage, x.environments)] ??
      'None') as ModelVersionEntity['current_stage'],
    ...(r.description ? { description: r.description } : {}),
    source: r.artifact_uri,
    ...(r.run_id ? { run_id: r.run_id } : {}),
    status: (STATUS[r.status] ?? 'READY') as ModelVersionEntity['status'],
    ...(r.status_message ? { status_message: r.status_message } : {}),
    ...(x.tags.length ? { tags: x.tags.map((t) => ({ key: t.key, value: t.value })) } : {}),
    ...(r.run_link ? { run_link: r.run_link } : {}),
    ...(x.aliases.length ? { aliases: x.aliases } : {}),
  };
}

/** What a registered model's entity shows besides its row. */
export interface ModelExtras {
  tags: { key: string; value: string }[];
  aliases: { alias: string; version: number }[];
  latest: ModelVersionEntity[];
  user: string | undefined;
}

/** A model row as MLflow's RegisteredModel: unset fields omitted. */
export function toRegisteredModel(r: MlflowModelRow, x: ModelExtras): RegisteredModelEntity {
  return {
    name: r.name,
    creation_timestamp: ms(r.created_at),
    last_updated_timestamp: ms(r.updated_at),
    ...(x.user ? { user_id: x.user } : {}),
    ...(r.description ? { description: r.description } : {}),
    ...(x.latest.length ? { latest_versions: x.latest } : {}),
    ...(x.tags.length ? { tags: x.tags.map((t) => ({ key: t.key, value: t.value })) } : {}),
    ...(x.aliases.length ? { aliases: x.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })) } : {}),
  };
}
