import type { Executor, Tx } from '../db/database.ts';
import type { App } from '../http/app-types.ts';
import { can } from '../domain/authz.ts';
import { datasetRepo } from './datasets/datasets.repo.ts';
import { datasetRoutes } from './datasets/datasets.routes.ts';
import { createDatasetService } from './datasets/datasets.service.ts';
import { isUuid, NAME_PATTERN } from './common/common.schema.ts';
import type { Feature, FeatureDeps } from './feature.ts';
import { modelRepo } from './models/models.repo.ts';
import { modelRoutes, type ModelHealth } from './models/models.routes.ts';
import { createModelService } from './models/models.service.ts';
import { useCaseRepo } from './use-cases/use-cases.repo.ts';
import { useCaseRoutes } from './use-cases/use-cases.routes.ts';
import { createUseCaseService } from './use-cases/use-cases.service.ts';
import { createVersionCache, noVersionCache } from './versions/version-cache.ts';
import { versionRepo } from './versions/versions.repo.ts';
import { versionRoutes } from './versions/versions.routes.ts';
import { createVersionService } from './versions/versions.service.ts';

const USE_CASE_ROUTES = '/api/v1/use-cases/:id';
const NAME = new RegExp(`^${NAME_PATTERN}`);
const FILTERED_BY_USE_CASE = new Set(['/api/v1/alerts', '/api/v1/incidents']);

export interface InventoryDeps extends FeatureDeps {
  /** Cache version reads in-process: only where this process sees every write (embedded SQLite). */
  versionCache: boolean;
  teams: { exists: Parameters<typeof createUseCaseService>[0]['teams']['exists'] };
  /** Health of models for the model routes (from monitoring). */
  modelHealth?: ModelHealth;
}

/** The inventory (use cases, models, versions, aliases, datasets): four features wired as one. */
export function createInventoryFeature({ versionCache, teams, modelHealth, ...base }: InventoryDeps) {
  const cache = versionCache ? createVersionCache() : noVersionCache;
  const services = {
    useCases: createUseCaseService({ ...base, useCases: useCaseRepo, teams }),
    models: createModelService({
      ...base,
      models: modelRepo,
      useCases: useCaseRepo,
      versions: versionRepo,
      onModelChanged: cache.modelChanged,
    }),
    versions: createVersionService({
      ...base,
      versions: versionRepo,
      models: modelRepo,
      datasets: datasetRepo,
      cache,
    }),
    datasets: createDatasetService({ ...base, datasets: datasetRepo, teams }),
  };
  return {
    services,
    routes: (api: App) => {
      // `/use-cases/{id}/...` anywhere in the API (assessment, lifecycle, incidents, KPIs...) takes the
      // use case's name as well as its id: the name is resolved here, before the route's validation.
      // So do the `useCase` filters of the alert and incident lists. A reference that names no use
      // case is left as it is, for the route's own validation to refuse.
      const resolve = async (ref: string) => {
        if (!NAME.test(ref)) return ref;
        return (await useCaseRepo.resolve(base.db, ref))?.id ?? ref;
      };
      api.addHook('preValidation', async (request) => {
        // Only for callers who may read the inventory: a name that resolves or not must tell nobody
        // else whether it exists (the id form gives them a 400 for the name, as before).
        if (!request.principal || !can(request.principal, 'inventory:read')) return;
        const url = request.routeOptions.url ?? '';
        const params = request.params as { id?: string };
        if (url.startsWith(USE_CASE_ROUTES) && params.id !== undefined && !isUuid(params.id))
          params.id = await resolve(params.id);
        const query = request.query as { useCase?: unknown };
        if (FILTERED_BY_USE_CASE.has(url) && typeof query.useCase === 'string' && !isUuid(query.useCase))
          query.useCase = await resolve(query.useCase);
      });
      useCaseRoutes(api, services);
      modelRoutes(api, { ...services, ...(modelHealth ? { health: modelHealth } : {}) });
      versionRoutes(api, services);
      datasetRoutes(api, services);
    },
    on: (bus) => {
      // The version record lists its signatures: a cached read must not outlive a new one.
      bus.afterCommit('version.signed', async ({ model }) =>
        services.versions.invalidate((await services.models.get(model)).id),
      );
    },
  } satisfies Feature<typeof services>;
}

export type Inventory = ReturnType<typeof createInventoryFeature>['services'];

/** Read-only access to the inventory's tables for other features (through their owning repositories). */
export const inventoryReaders = {
  useCases: {
    get: (exec: Executor, id: string) => useCaseRepo.get(exec, id),
    /** A use case by id or name. */
    resolve: (exec: Executor, ref: string) => useCaseRepo.resolve(exec, ref),
    teamOf: (exec: Executor, id: string) => useCaseRepo.teamOf(exec, id),
    lock: (tx: Tx, id: string) => useCaseRepo.lock(tx, id),
    withVersions: (exec: Executor) => useCaseRepo.withVersions(exec),
    /** Versions of use cases' models, or those a person made, with whether each is the latest. */
    versionsOf: (...args: Parameters<typeof useCaseRepo.versionsOf>) => useCaseRepo.versionsOf(...args),
    /** Use cases a person created or whose team they work in. */
    ownedBy: (...args: Parameters<typeof useCaseRepo.ownedBy>) => useCaseRepo.ownedBy(...args),
  },
  datasets: {
    resolveVersion: (...args: Parameters<typeof datasetRepo.resolveVersion>) => datasetRepo.resolveVersion(...args),
    /** Registered dataset versions by digest, with their legal regions. */
    regionsByDigest: (exec: Executor, digests: string[]) => datasetRepo.regionsByDigest(exec, digests),
  },
  /** A version's definition, read in the caller's transaction. */
  version: (exec: Executor, model: string, version: number) => versionRepo.get(exec, model, version),
  /** Versions' definitions by id, read in the caller's transaction. */
  versions: (exec: Executor, ids: string[]) => versionRepo.definedByIds(exec, ids),
  /** Versions a workload's image digests or artefact URIs identify (admission control). */
  deployable: (exec: Executor, by: { imageDigests: string[]; artifactUris: string[] }) =>
    versionRepo.findByDeployable(exec, by),
  /** Versions whose artefact has this digest. */
  byArtifactDigest: (exec: Executor, digest: string) => versionRepo.findByArtifactDigest(exec, digest),
  /** Takes the version's row lock (serialising evidence with signatures and promotions). */
  lockVersion: (tx: Tx, model: string, version: number) => versionRepo.lock(tx, model, version),
};
