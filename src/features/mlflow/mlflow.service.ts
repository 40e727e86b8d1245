// The MLflow Model Registry protocol over Steward's own store: registered models are models,
// model versions are versions, tags, aliases and descriptions are shared, and every call goes
// through the same services (authorisation, audit, governance) as /api/v1. Parsing and mapping
// of the wire format live in mlflow.wire.ts; this file holds the commands and queries.

import type { RequestContext } from '../../context.ts';
import type { DialectName, Executor, Tx } from '../../db/database.ts';
import { registrationChecks } from '../../domain/registration-checks.ts';
import { DomainError } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { Inventory } from '../inventory.ts';
import type { LifecycleRepo } from '../lifecycle/lifecycle.repo.ts';
import type { LifecycleService } from '../lifecycle/lifecycle.service.ts';
import type { SigningService } from '../lifecycle/signing.service.ts';
import type { PolicyRepo } from '../policy/policy.repo.ts';
import { isReservedAlias } from '../../domain/aliases.ts';
import type { Emit } from '../../events.ts';
import { createEntities } from './mlflow.entities.ts';
import { createPlacement, INTAKE_PREFIX } from './mlflow.placement.ts';
import { mlflowRepo as repo, type MlflowVersionRow } from './mlflow.repo.ts';
import type {
  AliasBody,
  CreateModelVersion,
  ModelVersionEntity,
  CreateRegisteredModel,
  LatestVersionsQuery,
  ModelTagBody,
  ModelVersionRef,
  RegisteredModelRef,
  RenameRegisteredModel,
  RunQuery,
  SearchQuery,
  TransitionStage,
  UpdateModelVersion,
  UpdateRegisteredModel,
  VersionTagBody,
} from './mlflow.schema.ts';
import {
  alreadyExists,
  aliasName,
  digestTag,
  invalid,
  latestPerMlflowStage,
  lookupName,
  missing,
  modelNotFound,
  modelOrder,
  optionalString,
  requireName,
  requireString,
  requireVersion,
  searchPage,
  shown,
  stagesCovered,
  STATUS,
  tagKey,
  tagList,
  tokenAt,
  transitionOf,
  versionNotFound,
  versionOrder,
} from './mlflow.wire.ts';

export interface MlflowConfig {
  /** Use case (id or name) of models registered without a `steward.use_case` tag. */
  defaultUseCase?: string | undefined;
  /** Artifact location of runs Steward is asked about, with `{run_id}`; unset: runs are unknown. */
  runArtifacts?: string | undefined;
  /** Hold new versions of governed models PENDING_REGISTRATION until the registration checks ran. */
  registrationChecks?: boolean | undefined;
  /** Refuse models without a use case instead of placing them in their team's intake use case. */
  requireUseCase?: boolean | undefined;
}

export interface MlflowDeps {
  db: Executor;
  dialect: DialectName;
  /** The inventory commands and reads MLflow's calls become. */
  inventory: {
    useCases: Pick<Inventory['useCases'], 'get' | 'create'>;
    models: Pick<Inventory['models'], 'create' | 'get' | 'update' | 'remove'>;
    versions: Pick<
      Inventory['versions'],
      | 'create'
      | 'get'
      | 'update'
      | 'remove'
      | 'setAlias'
      | 'deleteAlias'
      | 'resolveAlias'
      | 'setStage'
      | 'setStatus'
      | 'invalidate'
    >;
  };
  /** Stage moves of governed models are promotions through the lifecycle gates. */
  lifecycle: {
    lifecycle: Pick<LifecycleService, 'gateReasons'>;
    signing: Pick<SigningService, 'promote' | 'cancelPromotion'>;
  };
  /** Who owns a version, whether it is governed, where it is deployed, and its names by id. */
  governance: Pick<LifecycleRepo, 'owner' | 'governed' | 'activeDeployments' | 'names'>;
  /** Whether a use case is risk-assessed: its models are governed and their records kept. */
  assessments: Pick<PolicyRepo, 'currentAssessment'>;
  config: MlflowConfig;
  /** Runs the registration checks of a pending version (by id) after its creation committed. */
  schedule: (versionId: string) => Promise<void>;
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Models placed in (or moved out of) an intake use case are told to discovery's inbox. */
  events: Emit;
  systemContext: (id: string) => RequestContext;
  /**
   * Serve version reads from the inventory's version cache and keep their MLflow entities: only
   * where this process sees every write (embedded SQLite), as that cache itself.
   */
  cache?: boolean;
}

export function createMlflowService(deps: MlflowDeps) {
  const { db, inventory, governance } = deps;
  const { versionEntities, modelEntities, entityOf, deploymentsChanged } = createEntities({
    db,
    cacheByRecord: deps.cache === true,
  });

  async function model(name: string) {
    const row = await repo.modelByName(db, name);
    if (!row) throw modelNotFound(name);
    return (await modelEntities(db, [row]))[0]!;
  }

  async function versionRow(name: string, v: number): Promise<MlflowVersionRow> {
    const row = await repo.version(db, name, v);
    if (!row) {
      if (!(await repo.modelByName(db, name))) throw modelNotFound(name);
      throw versionNotFound(name, v);
    }
    return row;
  }

  async function version(name: string, v: number) {
    return (await versionEntities(db, [await versionRow(name, v)]))[0]!;
  }

  /** A version's entity: through the version cache in single-process mode, else from the database. */
  async function cachedVersion(name: string, v: number): Promise<ModelVersionEntity> {
    if (deps.cache) {
      const record = await inventory.versions.get(name, v).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'not_found') return undefined;
        throw err;
      });
      if (record) return entityOf(record);
    }
    return version(name, v);
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

  /** A Steward conflict on a model name as MLflow's RESOURCE_ALREADY_EXISTS. */
  async function naming<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DomainError && err.code === 'conflict') throw alreadyExists(name);
      throw err;
    }
  }

  const { useCaseFor, placementFor } = createPlacement({
    db,
    inventory,
    config: deps.config,
    systemContext: deps.systemContext,
  });

  /** A version that failed (or has not finished) registration serves no alias or active stage. */
  async function usable(name: string, v: number, what: string): Promise<void> {
    const row = await versionRow(name, v);
    if (row.status !== 'ready')
      throw new DomainError(
        'forbidden',
        `Model Version (name=${name}, version=${v}) is ${STATUS[row.status]}${row.status_message ? ` (${row.status_message})` : ''}: it cannot take ${what}`,
        { extra: { mlflow: 'PERMISSION_DENIED', uncounted: true } },
      );
  }

  const governed = async (exec: Executor, name: string, v: number) => {
    const owner = await governance.owner(exec, name, v);
    return owner && (await governance.governed(exec, owner.versionId)) ? owner : null;
  };

  /**
   * A move to Staging or Production of a governed version not yet deployed there is a promotion:
   * decided before anything is written, so a refused transition leaves no promotion behind.
   */
  async function promoteIfGoverned(
    ctx: RequestContext,
    name: string,
    v: number,
    environment: 'preproduction' | 'production',
    label: string,
  ): Promise<void> {
    const owner = await governed(db, name, v);
    if (!owner) return;
    if ((await governance.activeDeployments(db, { versionId: owner.versionId, environment })).length > 0) return;
    // Every permission the transition needs is checked before anything is written.
    authorize(ctx, 'version:write', owner.team);
    const refused = (reasons: string[]) =>
      new DomainError(
        'gate_not_passed',
        `Transition of ${name} version ${v} to ${label} is not allowed by its governance: ${reasons.join('; ')}`,
        { extra: { mlflow: 'PERMISSION_DENIED', uncounted: true } },
      );
    const reasons = await deps.lifecycle.lifecycle.gateReasons(name, v, environment);
    if (reasons.length > 0) throw refused(reasons);
    const p = await deps.lifecycle.signing.promote(ctx, name, v, {
      environment,
      reason: `MLflow transition-stage to ${label}`,
      mode: 'single',
    });
    if (p.status !== 'completed') {
      // The gates changed between the check and the request (a concurrent change): withdraw it.
      await deps.lifecycle.signing.cancelPromotion(ctx, name, v, p.id).catch(() => undefined);
      throw refused(p.reasons);
    }
  }

  return {
    model,
    version,

    /** Drops the kept version entities: a deployment (current_stage) changed. */
    deploymentsChanged,

    async getModel(q: RegisteredModelRef) {
      return { registered_model: await model(lookupName(q.name)) };
    },

    async getVersion(q: ModelVersionRef) {
      return { model_version: await cachedVersion(lookupName(q.name), requireVersion(q.version)) };
    },

    async createModel(ctx: RequestContext, body: CreateRegisteredModel) {
      const name = requireName(body.name);
      const tags = tagList(body.tags);
      const description = optionalString(body.description, 'description', 100_000);
      const placed = await placementFor(ctx, tags);
      await naming(name, () =>
        inventory.models.create(
          ctx,
          { name, useCaseId: placed.id, tags, ...(description !== undefined ? { description } : {}) },
          async (tx, record) => {
            if (placed.intake)
              await deps.events.emit(tx, 'model.intake', { ctx, modelId: record.id, name, useCaseId: placed.id });
          },
        ),
      );
      return { registered_model: await model(name) };
    },

    async renameModel(ctx: RequestContext, body: RenameRegisteredModel) {
      const name = requireName(body.name);
      const newName = requireName(body.new_name, 'new_name');
      await naming(newName, () =>
        onModel(name, () => inventory.models.update(ctx, name, { name: newName }, undefined)),
      );
      return { registered_model: await model(newName) };
    },

    async updateModel(ctx: RequestContext, body: UpdateRegisteredModel) {
      const name = requireName(body.name);
      const description = optionalString(body.description, 'description') ?? '';
      await onModel(name, () => inventory.models.update(ctx, name, { description }, undefined));
      return { registered_model: await model(name) };
    },

    async deleteModel(ctx: RequestContext, body: RegisteredModelRef) {
      const name = requireName(body.name);
      await onModel(name, () =>
        inventory.models.remove(ctx, name, async (tx, m) => {
          if (await deps.assessments.currentAssessment(tx, m.useCaseId))
            throw new DomainError(
              'forbidden',
              `Registered Model ${name} is governed (its use case is risk-assessed): its record is kept; archive its versions instead of deleting it`,
              { extra: { mlflow: 'PERMISSION_DENIED' } },
            );
        }),
      );
      return {};
    },

    async searchModels(q: SearchQuery) {
      const { clauses, limit, offset } = searchPage(q, 'registered-models', 100, 1000);
      const orderBy = modelOrder(q.order_by);
      const rows = await repo.searchModels(db, deps.dialect, clauses, orderBy, offset, limit + 1);
      const page = rows.slice(0, limit);
      return {
        ...(page.length ? { registered_models: await modelEntities(db, page) } : {}),
        ...(rows.length > limit ? { next_page_token: tokenAt(offset + limit) } : {}),
      };
    },

    async latestVersions(q: LatestVersionsQuery) {
      const name = requireName(q.name);
      const row = await repo.modelByName(db, name);
      if (!row) throw modelNotFound(name);
      const wanted = stagesCovered(q.stages);
      const best = latestPerMlflowStage(await repo.latestPerStage(db, [row.id], wanted));
      const entities = await versionEntities(db, best);
      return entities.length ? { model_versions: entities } : {};
    },

    async setModelTag(ctx: RequestContext, body: ModelTagBody) {
      const name = requireName(body.name);
      const key = tagKey(body.key);
      const value = optionalString(body.value, 'value');
      if (value === undefined) throw missing('value');
      await onModel(name, () => inventory.models.update(ctx, name, { tags: { [key]: value } }, undefined));
      return {};
    },

    async deleteModelTag(ctx: RequestContext, body: ModelTagBody) {
      const name = requireName(body.name);
      const key = tagKey(body.key);
      await onModel(name, () => inventory.models.update(ctx, name, { tags: { [key]: null } }, undefined));
      return {};
    },

    async setAlias(ctx: RequestContext, body: AliasBody) {
      const name = requireName(body.name);
      const alias = aliasName(body.alias);
      const v = requireVersion(body.version);
      if (isReservedAlias(alias)) throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
      await usable(name, v, `alias '${alias}'`);
      await onModel(name, () => inventory.versions.setAlias(ctx, name, alias, v), v);
      return {};
    },

    async deleteAlias(ctx: RequestContext, body: AliasBody) {
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

    async getByAlias(q: AliasBody) {
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

    async createVersion(ctx: RequestContext, body: CreateModelVersion) {
      const name = requireName(body.name);
      const source = requireString(body.source, 'source', 2048);
      const tags = tagList(body.tags);
      const runId = optionalString(body.run_id, 'run_id', 256) ?? null;
      const runLink = optionalString(body.run_link, 'run_link', 2048) ?? null;
      const description = optionalString(body.description, 'description');
      const digest = digestTag(tags);
      // No lookup of the model first: the create finds it (or its absence) inside its transaction.
      try {
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
            const fromIntake = (await inventory.useCases.get(current.useCaseId)).name.startsWith(INTAKE_PREFIX);
            await inventory.models.update(ctx, name, { useCaseId: wanted }, undefined, async (tx, record) => {
              if (fromIntake)
                await deps.events.emit(tx, 'model.placed', { ctx, modelId: record.id, useCaseId: wanted });
            });
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
        // A new version has no deployments yet; its entity comes from the record just created.
        if (deps.cache && !pending) return { model_version: await entityOf(created, []) };
        return { model_version: await version(name, created.version) };
      } catch (err) {
        const missing = err instanceof DomainError && err.code === 'not_found' && err.extra?.resource === 'model';
        throw missing && err.extra?.id === name ? modelNotFound(name) : err;
      }
    },

    /** Queues the checks of versions still pending (their jobs may have been lost in a restart). */
    async resumeRegistrations(): Promise<void> {
      for (const id of await repo.pendingVersions(db)) await deps.schedule(id);
    },

    /** The registration checks of a pending version: READY, or FAILED_REGISTRATION with the reasons. */
    async finishRegistration(versionId: string): Promise<void> {
      const names = await governance.names(db, versionId);
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

    async updateVersion(ctx: RequestContext, body: UpdateModelVersion) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      const description = optionalString(body.description, 'description') ?? '';
      await onModel(name, () => inventory.versions.update(ctx, name, v, { description }, undefined), v);
      return { model_version: await version(name, v) };
    },

    async setVersionTag(ctx: RequestContext, body: VersionTagBody, remove: boolean) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      const key = tagKey(body.key);
      const value = remove ? null : optionalString(body.value, 'value');
      if (value === undefined) throw missing('value');
      await onModel(name, () => inventory.versions.update(ctx, name, v, { tags: { [key]: value } }, undefined), v);
      return {};
    },

    async deleteVersion(ctx: RequestContext, body: ModelVersionRef) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      await onModel(
        name,
        () =>
          inventory.versions.remove(ctx, name, v, async (tx) => {
            if (await governed(tx, name, v))
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
    async transition(ctx: RequestContext, body: TransitionStage) {
      const name = requireName(body.name);
      const v = requireVersion(body.version);
      const { stage, archive, label } = transitionOf(body);
      if (stage !== 'archived' && stage !== 'development') await usable(name, v, `stage ${label}`);
      else await versionRow(name, v);
      if (stage === 'preproduction' || stage === 'production') await promoteIfGoverned(ctx, name, v, stage, label);
      await inventory.versions.setStage(ctx, name, v, stage, archive);
      return { model_version: await version(name, v) };
    },

    async searchVersions(q: SearchQuery) {
      const { clauses, limit, offset } = searchPage(q, 'model-versions', 10_000, 200_000);
      const orderBy = versionOrder(q.order_by);
      const rows = await repo.searchVersions(db, deps.dialect, clauses, orderBy, offset, limit + 1);
      const page = rows.slice(0, limit);
      return {
        ...(page.length ? { model_versions: await versionEntities(db, page) } : {}),
        ...(rows.length > limit ? { next_page_token: tokenAt(offset + limit) } : {}),
      };
    },

    async downloadUri(q: ModelVersionRef) {
      const v = await version(requireName(q.name), requireVersion(q.version));
      return { artifact_uri: v.source };
    },

    /** runs/get: a run of the tracking server behind STEWARD_MLFLOW_RUN_ARTIFACTS, or unknown. */
    runs(q: RunQuery) {
      const runId = requireString(q.run_id ?? q.run_uuid, 'run_id', 256);
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
