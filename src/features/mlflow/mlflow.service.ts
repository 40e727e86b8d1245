// The MLflow Model Registry protocol over Steward's own store: registered models are models,
// model versions are versions, tags, aliases and descriptions are shared, and every call goes
// through the same services (authorisation, audit, governance) as /api/v1.

import type { RequestContext } from '../../context.ts';
import type { DialectName, Executor, Tx } from '../../db/database.ts';
import { parseFilter, FilterError, type Clause } from '../../domain/mlflow/filter.ts';
import { registrationChecks } from '../../domain/registration-checks.ts';
import { DomainError } from '../../errors.ts';
import type { Inventory } from '../inventory.ts';
import type { LifecycleFeature } from '../lifecycle/index.ts';
import { lifecycleRepo } from '../lifecycle/lifecycle.repo.ts';
import { useCaseRepo } from '../use-cases/use-cases.repo.ts';
import { policyRepo } from '../policy/policy.repo.ts';
import { isReservedAlias } from '../versions/versions.service.ts';
import { authorize } from '../common/authorize.ts';
import { NAME_PATTERN, RESERVED_TAG_KEYS } from '../common/common.schema.ts';
import { ALIAS_PATTERN } from '../models/models.schema.ts';
import type { Stage } from '../versions/versions.schema.ts';
import { mlflowRepo as repo, type MlflowModelRow, type MlflowVersionRow } from './mlflow.repo.ts';

export interface MlflowConfig {
  /** Use case (id or name) of models registered without a `steward.use_case` tag. */
  defaultUseCase?: string | undefined;
  /** Artifact location of runs Steward is asked about, with `{run_id}`; unset: runs are unknown. */
  runArtifacts?: string | undefined;
  /** Hold new versions of governed models PENDING_REGISTRATION until the registration checks ran. */
  registrationChecks?: boolean | undefined;
}

export interface MlflowDeps {
  db: Executor;
  dialect: DialectName;
  inventory: Inventory;
  lifecycle: Pick<LifecycleFeature, 'signing' | 'lifecycle'>;
  config: MlflowConfig;
  /** Runs the registration checks of a pending version (by id) after its creation committed. */
  schedule: (versionId: string) => Promise<void>;
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  systemContext: (id: string) => RequestContext;
}

const invalid = (message: string) =>
  new DomainError('validation_failed', message, { extra: { mlflow: 'INVALID_PARAMETER_VALUE' } });
const missing = (what: string) =>
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
const modelNotFound = (name: string) =>
  new DomainError('not_found', `Registered Model with name=${shown(name)} not found`, {
    extra: { mlflow: 'RESOURCE_DOES_NOT_EXIST' },
  });
const versionNotFound = (name: string, version: string | number) =>
  new DomainError('not_found', `Model Version (name=${name}, version=${version}) not found`, {
    extra: { mlflow: 'RESOURCE_DOES_NOT_EXIST' },
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
const STATUS: Record<string, string> = {
  pending: 'PENDING_REGISTRATION',
  ready: 'READY',
  failed: 'FAILED_REGISTRATION',
};
const ms = (iso: string) => Date.parse(iso);

function requireName(v: unknown, what = 'name'): string {
  if (v === undefined || v === null || v === '') throw missing(what);
  if (typeof v !== 'string')
    throw invalid(`Invalid value ${shown(v)} for parameter '${what}' supplied: it must be a string`);
  if (v.length > 256 || !NAME.test(v))
    throw invalid(`Invalid name '${shown(v)}': names are non-empty, at most 256 characters, without '/' or ':'`);
  return v;
}

export function requireVersion(v: unknown): number {
  if (v === undefined || v === null || v === '') throw missing('version');
  const text = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2147483647)
    throw invalid(`Model version must be an integer, got '${shown(v)}'`);
  return Number(text);
}

function optionalString(v: unknown, what: string, max = 100_000): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw invalid(`Invalid value ${shown(v)} for parameter '${what}' supplied: it must be a string`);
  if (v.length > max) throw invalid(`'${what}' exceeds the maximum length of ${max} characters`);
  return v;
}

/** A tag key: present, at most 250 characters, and not one naming object machinery (`__proto__`). */
function tagKey(v: unknown, what = 'key'): string {
  const key = optionalString(v, what, 250);
  if (!key) throw missing('key');
  if ((RESERVED_TAG_KEYS as readonly string[]).includes(key))
    throw invalid(`Invalid tag key '${key}': ${RESERVED_TAG_KEYS.join(', ')} are not allowed as tag keys`);
  return key;
}

function tagList(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v)) throw invalid("Invalid value for parameter 'tags': it must be a list of {key, value}");
  const out: Record<string, string> = {};
  for (const t of v as { key?: unknown; value?: unknown }[]) {
    const key = tagKey(t?.key, 'tags.key');
    out[key] = optionalString(t.value, 'tags.value') ?? '';
  }
  return out;
}

function aliasName(v: unknown): string {
  if (v === undefined || v === null || v === '') throw missing('alias');
  const alias = typeof v === 'string' ? v : shown(v);
  if (typeof v !== 'string' || !ALIAS.test(alias) || alias.length > 255)
    throw invalid(
      `Invalid alias name '${shown(alias)}'. Alias names may only contain alphanumerics, underscores and dashes, at most 255 characters.`,
    );
  return alias;
}

/** The search filter of a request, parsed; anything outside the grammar is INVALID_PARAMETER_VALUE. */
function filterOf(q: Record<string, unknown>, entity: 'registered-models' | 'model-versions'): Clause[] {
  try {
    return parseFilter(optionalString(q.filter, 'filter', 10_000), entity);
  } catch (err) {
    if (err instanceof FilterError) throw invalid(`Invalid filter '${shown(q.filter)}': ${err.message}`);
    throw err;
  }
}

/** A page token: the offset of the next page, opaque to clients. */
function pageOffset(token: unknown): number {
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
const tokenAt = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url');

function maxResults(v: unknown, fallback: number, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalid(`Invalid value for max_results. It must be a positive integer at most ${max}, but got ${shown(v)}`);
  return n;
}

export function createMlflowService(deps: MlflowDeps) {
  const { db, inventory } = deps;

  /** Groups rows by a key once, so a page is joined in linear time. */
  const groupBy = <T>(xs: T[], key: (x: T) => string) => {
    const m = new Map<string, T[]>();
    for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
    return m;
  };
  // A deployment shows as the stage it amounts to: production over preproduction over the recorded stage.
  const deployedStage = (recorded: string, envs: string[]) =>
    envs.includes('production')
      ? 'production'
      : envs.includes('preproduction') && recorded !== 'production'
        ? 'preproduction'
        : recorded;

  async function versionEntities(exec: Executor, rows: MlflowVersionRow[]) {
    const [tags, aliases, users, deployed] = await Promise.all([
      repo.versionTags(
        exec,
        rows.map((r) => r.id),
      ),
      repo.aliases(exec, [...new Set(rows.map((r) => r.model_id))]),
      repo.usernames(exec, [...new Set(rows.flatMap((r) => (r.created_by ? [r.created_by] : [])))]),
      repo.activeEnvironments(
        exec,
        rows.map((r) => r.id),
      ),
    ]);
    const tagsOf = groupBy(tags, (x) => x.model_version_id);
    const aliasesOf = groupBy(aliases, (x) => `${x.model_id}:${x.version}`);
    const envsOf = groupBy(deployed, (x) => x.model_version_id);
    return rows.map((r) => {
      const t = tagsOf.get(r.id) ?? [];
      const a = (aliasesOf.get(`${r.model_id}:${r.version}`) ?? []).map((x) => x.alias);
      const stage = deployedStage(
        r.stage,
        (envsOf.get(r.id) ?? []).map((d) => d.environment),
      );
      return {
        name: r.name,
        version: String(r.version),
        creation_timestamp: ms(r.created_at),
        last_updated_timestamp: ms(r.updated_at),
        ...(r.created_by && users.get(r.created_by) ? { user_id: users.get(r.created_by) } : {}),
        current_stage: STAGE_TO_MLFLOW[stage] ?? 'None',
        ...(r.description ? { description: r.description } : {}),
        source: r.artifact_uri,
        ...(r.run_id ? { run_id: r.run_id } : {}),
        status: STATUS[r.status] ?? 'READY',
        ...(r.status_message ? { status_message: r.status_message } : {}),
        ...(t.length ? { tags: t.map((x) => ({ key: x.key, value: x.value })) } : {}),
        ...(r.run_link ? { run_link: r.run_link } : {}),
        ...(a.length ? { aliases: a } : {}),
      };
    });
  }

  async function modelEntities(exec: Executor, rows: MlflowModelRow[]) {
    const ids = rows.map((r) => r.id);
    const [tags, aliases, latest, users] = await Promise.all([
      repo.modelTags(exec, ids),
      repo.aliases(exec, ids),
      repo.latestPerStage(exec, ids),
      repo.usernames(exec, [...new Set(rows.flatMap((r) => (r.created_by ? [r.created_by] : [])))]),
    ]);
    const latestEntities = await versionEntities(exec, latest);
    const tagsOf = groupBy(tags, (x) => x.model_id);
    const aliasesOf = groupBy(aliases, (x) => x.model_id);
    const latestOf = groupBy(
      latestEntities.map((e, i) => ({ e, model: latest[i]!.model_id })),
      (x) => x.model,
    );
    return rows.map((r) => {
      const t = tagsOf.get(r.id) ?? [];
      const a = aliasesOf.get(r.id) ?? [];
      const l = (latestOf.get(r.id) ?? []).map((x) => x.e);
      return {
        name: r.name,
        creation_timestamp: ms(r.created_at),
        last_updated_timestamp: ms(r.updated_at),
        ...(r.created_by && users.get(r.created_by) ? { user_id: users.get(r.created_by) } : {}),
        ...(r.description ? { description: r.description } : {}),
        ...(l.length ? { latest_versions: l } : {}),
        ...(t.length ? { tags: t.map((x) => ({ key: x.key, value: x.value })) } : {}),
        ...(a.length ? { aliases: a.map((x) => ({ alias: x.alias, version: String(x.version) })) } : {}),
      };
    });
  }

  async function model(name: string) {
    const row = await repo.modelByName(db, name);
    if (!row) throw modelNotFound(name);
    return (await modelEntities(db, [row]))[0]!;
  }

  async function version(name: string, v: number) {
    const row = await repo.version(db, name, v);
    if (!row) {
      if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
      throw versionNotFound(name, v);
    }
    return (await versionEntities(db, [row]))[0]!;
  }

  /** Runs a Steward command, translating its not-found errors into MLflow's messages. */
  async function onModel<T>(name: string, fn: () => Promise<T>, v?: number): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found' && !err.extra?.mlflow) {
        if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
        if (v !== undefined) throw versionNotFound(name, v);
      }
      throw err;
    }
  }

  async function useCaseFor(tags: Record<string, string>): Promise<string> {
    const ref = tags['steward.use_case'] ?? deps.config.defaultUseCase;
    if (!ref)
      throw invalid(
        "No use case for this model: set the tag 'steward.use_case' to a use case id or name, or configure STEWARD_MLFLOW_USE_CASE",
      );
    const byId = /^[0-9a-f-]{36}$/.test(ref) ? await useCaseRepo.get(db, ref) : undefined;
    if (byId) return byId.id;
    const byName = await repo.useCaseByName(db, ref);
    if (!byName) throw invalid(`Use case '${shown(ref)}' does not exist`);
    return byName;
  }

  /** A version that failed (or has not finished) registration serves no alias or active stage. */
  async function usable(name: string, v: number, what: string): Promise<void> {
    const row = await repo.version(db, name, v);
    if (!row) {
      if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
      throw versionNotFound(name, v);
    }
    if (row.status !== 'ready')
      throw new DomainError(
        'forbidden',
        `Model Version (name=${name}, version=${v}) is ${STATUS[row.status]}${row.status_message ? ` (${row.status_message})` : ''}: it cannot take ${what}`,
        { extra: { mlflow: 'PERMISSION_DENIED', uncounted: true } },
      );
  }

  const governed = async (name: string, v: number) => {
    const owner = await lifecycleRepo.owner(db, name, v);
    return owner && (await lifecycleRepo.governed(db, owner.versionId)) ? owner : null;
  };

  return {
    model,
    version,

    async createModel(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const tags = tagList(body.tags);
      const description = optionalString(body.description, 'description', 100_000);
      const useCaseId = await useCaseFor(tags);
      try {
        await inventory.models.create(ctx, {
          name,
          useCaseId,
          tags,
          ...(description !== undefined ? { description } : {}),
        });
      } catch (err) {
        if (err instanceof DomainError && err.code === 'conflict')
          throw new DomainError('conflict', `Registered Model (name=${name}) already exists.`, {
            extra: { mlflow: 'RESOURCE_ALREADY_EXISTS' },
          });
        throw err;
      }
      return { registered_model: await model(name) };
    },

    async renameModel(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const newName = requireName(body.new_name, 'new_name');
      try {
        await onModel(name, () => inventory.models.update(ctx, name, { name: newName }, undefined));
      } catch (err) {
        if (err instanceof DomainError && err.code === 'conflict')
          throw new DomainError('conflict', `Registered Model (name=${newName}) already exists.`, {
            extra: { mlflow: 'RESOURCE_ALREADY_EXISTS' },
          });
        throw err;
      }
      return { registered_model: await model(newName) };
    },

    async updateModel(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const description = optionalString(body.description, 'description') ?? '';
      await onModel(name, () => inventory.models.update(ctx, name, { description }, undefined));
      return { registered_model: await model(name) };
    },

    async deleteModel(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      await onModel(name, () =>
        inventory.models.remove(ctx, name, async (tx, m) => {
          if (await policyRepo.currentAssessment(tx, m.useCaseId))
            throw new DomainError(
              'forbidden',
              `Registered Model ${name} is governed (its use case is risk-assessed): its record is kept; archive its versions instead of deleting it`,
              { extra: { mlflow: 'PERMISSION_DENIED' } },
            );
        }),
      );
      return {};
    },

    async searchModels(q: Record<string, unknown>) {
      const clauses = filterOf(q, 'registered-models');
      const limit = maxResults(q.max_results, 100, 1000);
      const offset = pageOffset(q.page_token);
      const orderBy = ([] as unknown[]).concat(q.order_by ?? []).map((o) => {
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
      const rows = await repo.searchModels(db, deps.dialect, clauses, orderBy, offset, limit + 1);
      const page = rows.slice(0, limit);
      return {
        ...(page.length ? { registered_models: await modelEntities(db, page) } : {}),
        ...(rows.length > limit ? { next_page_token: tokenAt(offset + limit) } : {}),
      };
    },

    async latestVersions(q: Record<string, unknown>) {
      const name = requireName(q.name);
      const row = await repo.modelByName(db, name);
      if (!row) throw modelNotFound(name);
      const stages = ([] as unknown[]).concat(q.stages ?? []).map((s) => {
        const stage = stageOf(s);
        if (!stage)
          throw invalid(
            `Invalid Model Version stage: ${shown(s)}. Value must be one of None, Staging, Production, Archived.`,
          );
        return stage;
      });
      // MLflow's None covers Steward's development and qa stages; Archived covers retired.
      const wanted =
        stages.length === 0
          ? undefined
          : [
              ...new Set(
                stages.flatMap((s) =>
                  Object.entries(STAGE_TO_MLFLOW)
                    .filter(([, m]) => m === STAGE_TO_MLFLOW[s])
                    .map(([k]) => k),
                ),
              ),
            ];
      const latest = await repo.latestPerStage(db, [row.id], wanted);
      // One per MLflow stage: the highest version among the Steward stages it covers.
      const best = new Map<string, MlflowVersionRow>();
      for (const v of latest) {
        const key = STAGE_TO_MLFLOW[v.stage] ?? 'None';
        if (!best.has(key) || best.get(key)!.version < v.version) best.set(key, v);
      }
      const entities = await versionEntities(
        db,
        [...best.values()].sort((a, b) => a.version - b.version),
      );
      return entities.length ? { model_versions: entities } : {};
    },

    async setModelTag(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const key = tagKey(body.key);
      const value = optionalString(body.value, 'value');
      if (value === undefined) throw missing('value');
      await onModel(name, () => inventory.models.update(ctx, name, { tags: { [key]: value } }, undefined));
      return {};
    },

    async deleteModelTag(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const key = tagKey(body.key);
      await onModel(name, () => inventory.models.update(ctx, name, { tags: { [key]: null } }, undefined));
      return {};
    },

    async setAlias(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const alias = aliasName(body.alias);
      const v = requireVersion(body.version);
      if (isReservedAlias(alias)) throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
      await usable(name, v, `alias '${alias}'`);
      await onModel(name, () => inventory.versions.setAlias(ctx, name, alias, v), v);
      return {};
    },

    async deleteAlias(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const alias = aliasName(body.alias);
      if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
      try {
        await inventory.versions.deleteAlias(ctx, name, alias);
      } catch (err) {
        // As MLflow: deleting an alias that is not set changes nothing and is not an error.
        if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
      }
      return {};
    },

    async getByAlias(q: Record<string, unknown>) {
      const name = requireName(q.name);
      const alias = aliasName(q.alias);
      try {
        const v = await inventory.versions.resolveAlias(name, alias);
        return { model_version: await version(name, v.version) };
      } catch (err) {
        if (err instanceof DomainError && err.code === 'not_found') {
          if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
          throw invalid(`Registered model alias ${alias} not found.`);
        }
        throw err;
      }
    },

    async createVersion(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const source = optionalString(body.source, 'source', 2048);
      if (!source) throw missing('source');
      const tags = tagList(body.tags);
      const runId = optionalString(body.run_id, 'run_id', 256) ?? null;
      const runLink = optionalString(body.run_link, 'run_link', 2048) ?? null;
      const description = optionalString(body.description, 'description');
      const digest = tags['steward.artifact_digest'];
      if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
        throw invalid(`Tag steward.artifact_digest must be sha256:<64 lowercase hex digits>, got '${shown(digest)}'`);
      const row = await repo.modelByName(db, name);
      if (!row) throw modelNotFound(name);
      // mlflow.register_model creates the model without tags and tags only its version: the first
      // version's steward.use_case moves a model still without versions to that use case.
      if (tags['steward.use_case'] !== undefined) {
        const wanted = await useCaseFor({ 'steward.use_case': tags['steward.use_case'] });
        const current = await inventory.models.get(name);
        if (current.useCaseId !== wanted) {
          if (current.latestVersion !== null)
            throw invalid(
              `Registered Model ${name} belongs to another use case than steward.use_case='${shown(tags['steward.use_case'])}'; move it through /api/v1 (PATCH /models/${name}) first`,
            );
          await inventory.models.update(ctx, name, { useCaseId: wanted }, undefined);
        }
      }
      const pending = deps.config.registrationChecks === true;
      const created = await inventory.versions.create(
        ctx,
        name,
        {
          artifactUri: source,
          artifactDigest: digest ?? null,
          tags,
          ...(description !== undefined ? { description } : {}),
        },
        { runId, runLink, status: pending ? 'pending' : 'ready' },
      );
      if (pending) await deps.schedule(created.id).catch(() => undefined);
      return { model_version: await version(name, created.version) };
    },

    /** Queues the checks of versions still pending (their jobs may have been lost in a restart). */
    async resumeRegistrations(): Promise<void> {
      for (const id of await repo.pendingVersions(db)) await deps.schedule(id);
    },

    /** The registration checks of a pending version: READY, or FAILED_REGISTRATION with the reasons. */
    async finishRegistration(versionId: string): Promise<void> {
      const names = await lifecycleRepo.names(db, versionId);
      if (!names) return;
      const { model: name, version: v } = names;
      const record = await inventory.versions.get(name, v);
      if (record.status !== 'pending') return;
      const failed = registrationChecks({
        model: name,
        version: v,
        artifactUri: record.artifactUri,
        artifactDigest: record.artifactDigest,
        code: record.code,
        datasets: record.datasets,
      }).filter((c) => !c.passed && c.severity === 'failure');
      await deps.transact((tx) =>
        inventory.versions.setStatus(
          tx,
          deps.systemContext(`mlflow:registration:${record.id}`),
          record,
          failed.length ? 'failed' : 'ready',
          failed.length
            ? `Registration checks failed: ${failed.map((c) => `${c.check}: ${c.detail}`).join('; ')}`
            : null,
        ),
      );
      inventory.versions.invalidate(record.modelId);
    },

    async updateVersion(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      const description = optionalString(body.description, 'description') ?? '';
      await onModel(name, () => inventory.versions.update(ctx, name, v, { description }, undefined), v);
      return { model_version: await version(name, v) };
    },

    async setVersionTag(ctx: RequestContext, body: Record<string, unknown>, remove: boolean) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      const key = tagKey(body.key);
      const value = remove ? null : optionalString(body.value, 'value');
      if (value === undefined) throw missing('value');
      await onModel(name, () => inventory.versions.update(ctx, name, v, { tags: { [key]: value } }, undefined), v);
      return {};
    },

    async deleteVersion(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      await onModel(
        name,
        () =>
          inventory.versions.remove(ctx, name, v, async (tx) => {
            const owner = await lifecycleRepo.owner(tx, name, v);
            if (owner && (await lifecycleRepo.governed(tx, owner.versionId)))
              throw new DomainError(
                'forbidden',
                `Model Version (name=${name}, version=${v}) is governed: its record is kept; transition it to Archived instead`,
                { extra: { mlflow: 'PERMISSION_DENIED' } },
              );
          }),
        v,
      );
      return {};
    },

    /**
     * transition-stage: None and Archived are set directly; Staging and Production on a governed
     * model are promotions (preproduction, production) that must pass the lifecycle gates.
     */
    async transition(ctx: RequestContext, body: Record<string, unknown>) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      if (body.stage === undefined || body.stage === null || body.stage === '') throw missing('stage');
      const stage = stageOf(body.stage);
      if (!stage)
        throw invalid(
          `Invalid Model Version stage: ${shown(body.stage)}. Value must be one of None, Staging, Production, Archived.`,
        );
      if (body.archive_existing_versions === undefined || body.archive_existing_versions === null)
        throw missing('archive_existing_versions');
      const archive =
        body.archive_existing_versions === true ||
        (typeof body.archive_existing_versions === 'string' && body.archive_existing_versions.toLowerCase() === 'true');
      if (archive && stage !== 'preproduction' && stage !== 'production')
        throw invalid(
          `Model version transition cannot archive existing model versions because '${shown(body.stage)}' is not an Active stage. Valid stages are Staging and Production.`,
        );
      if (stage !== 'archived' && stage !== 'development') await usable(name, v, `stage ${shown(body.stage)}`);
      else await version(name, v);
      const environment = stage === 'preproduction' || stage === 'production' ? stage : null;
      const owner = environment ? await governed(name, v) : null;
      if (owner && environment) {
        const deployed = await lifecycleRepo.activeDeployments(db, { versionId: owner.versionId, environment });
        if (deployed.length === 0) {
          // Every permission the transition needs is checked before anything is written.
          authorize(ctx, 'version:write', owner.team);
          // Decided before anything is written: a refused transition leaves no promotion behind.
          const reasons = await deps.lifecycle.lifecycle.gateReasons(name, v, environment);
          if (reasons.length > 0)
            throw new DomainError(
              'gate_not_passed',
              `Transition of ${name} version ${v} to ${shown(body.stage)} is not allowed by its governance: ${reasons.join('; ')}`,
              { extra: { mlflow: 'PERMISSION_DENIED', uncounted: true } },
            );
          const p = await deps.lifecycle.signing.promote(ctx, name, v, {
            environment,
            reason: `MLflow transition-stage to ${shown(body.stage)}`,
            mode: 'single',
          });
          if (p.status !== 'completed') {
            // The gates changed between the check and the request (a concurrent change): withdraw it.
            await deps.lifecycle.signing.cancelPromotion(ctx, name, v, p.id).catch(() => undefined);
            throw new DomainError(
              'gate_not_passed',
              `Transition of ${name} version ${v} to ${shown(body.stage)} is not allowed by its governance: ${p.reasons.join('; ')}`,
              { extra: { mlflow: 'PERMISSION_DENIED', uncounted: true } },
            );
          }
        }
      }
      await inventory.versions.setStage(ctx, name, v, stage, archive);
      return { model_version: await version(name, v) };
    },

    async searchVersions(q: Record<string, unknown>) {
      const clauses = filterOf(q, 'model-versions');
      const limit = maxResults(q.max_results, 10_000, 200_000);
      const offset = pageOffset(q.page_token);
      const columns = {
        name: 'm.name',
        version_number: 'v.version',
        creation_timestamp: 'v.created_at',
        timestamp: 'v.created_at',
        last_updated_timestamp: 'v.updated_at',
      } as const;
      const given = ([] as unknown[]).concat(q.order_by ?? []).map((o) => {
        const m =
          /^\s*(?:attribute\.)?(name|version_number|creation_timestamp|timestamp|last_updated_timestamp)(?:\s+(ASC|DESC))?\s*$/i.exec(
            typeof o === 'string' ? o : '',
          );
        if (!m)
          throw invalid(
            `Invalid order_by clause '${shown(o)}'. Only name, version_number, creation_timestamp and last_updated_timestamp, each optionally followed by ASC or DESC, are allowed.`,
          );
        return { column: columns[m[1]!.toLowerCase() as keyof typeof columns], desc: m[2]?.toUpperCase() === 'DESC' };
      });
      // MLflow's default order: last updated first, then name, then the highest version.
      const orderBy = given.length ? given : [{ column: 'v.updated_at' as const, desc: true }];
      const rows = await repo.searchVersions(db, deps.dialect, clauses, orderBy, offset, limit + 1);
      const page = rows.slice(0, limit);
      return {
        ...(page.length ? { model_versions: await versionEntities(db, page) } : {}),
        ...(rows.length > limit ? { next_page_token: tokenAt(offset + limit) } : {}),
      };
    },

    async downloadUri(q: Record<string, unknown>) {
      const v = await version(requireName(q.name), requireVersion(q.version));
      return { artifact_uri: v.source };
    },

    /** runs/get: a run of the tracking server behind STEWARD_MLFLOW_RUN_ARTIFACTS, or unknown. */
    runs(q: Record<string, unknown>) {
      const runId = optionalString(q.run_id ?? q.run_uuid, 'run_id', 256);
      if (!runId) throw missing('run_id');
      if (!deps.config.runArtifacts || !/^[\w-]+$/.test(runId))
        throw new DomainError('not_found', `Run '${runId}' not found`, {
          extra: { mlflow: 'RESOURCE_DOES_NOT_EXIST' },
        });
      return {
        run: {
          info: {
            run_id: runId,
            run_uuid: runId,
            status: 'FINISHED',
            lifecycle_stage: 'active',
            artifact_uri: deps.config.runArtifacts.replaceAll('{run_id}', runId),
          },
          data: {},
        },
      };
    },
  };
}

export type MlflowService = ReturnType<typeof createMlflowService>;
