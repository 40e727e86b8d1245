import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Transact } from '../db/transact.ts';
import type { App } from '../http/app-types.ts';
import type { IdSource } from '../lib/ids.ts';
import type { AuditAppender } from './audit/audit.service.ts';
import { datasetRepo } from './datasets/datasets.repo.ts';
import { datasetRoutes } from './datasets/datasets.routes.ts';
import { createDatasetService } from './datasets/datasets.service.ts';
import { identityRepo } from './identity/identity.repo.ts';
import { modelRepo } from './models/models.repo.ts';
import { modelRoutes, type ModelHealth } from './models/models.routes.ts';
import { createModelService } from './models/models.service.ts';
import { useCaseRepo } from './use-cases/use-cases.repo.ts';
import { useCaseRoutes } from './use-cases/use-cases.routes.ts';
import { createUseCaseService } from './use-cases/use-cases.service.ts';
import { createVersionCache, noVersionCache } from './versions/version-cache.ts';
import { versionRepo } from './versions/versions.repo.ts';
import { versionRoutes } from './versions/versions.routes.ts';
import { createVersionService, type VersionGovernance } from './versions/versions.service.ts';

export interface InventoryDeps {
  db: Db;
  transact: Transact;
  audit: AuditAppender;
  clock: Clock;
  ids: IdSource;
  /** Cache version reads in-process: only where this process sees every write (embedded SQLite). */
  versionCache: boolean;
  governance?: VersionGovernance;
}

/** The inventory services (use cases, models, versions, aliases, datasets), built once per app. */
export function createInventory({ db, transact, audit, clock, ids, versionCache, governance }: InventoryDeps) {
  const base = { db, transact, audit, clock, ids };
  const teams = { exists: identityRepo.teamExists };
  const cache = versionCache ? createVersionCache() : noVersionCache;
  return {
    useCases: createUseCaseService({ ...base, useCases: useCaseRepo, teams }),
    models: createModelService({
      ...base,
      models: modelRepo,
      useCases: useCaseRepo,
      onModelChanged: cache.modelChanged,
    }),
    versions: createVersionService({
      ...base,
      versions: versionRepo,
      models: modelRepo,
      datasets: datasetRepo,
      cache,
      ...(governance ? { governance } : {}),
    }),
    datasets: createDatasetService({ ...base, datasets: datasetRepo, teams }),
  };
}

export type Inventory = ReturnType<typeof createInventory>;

/** Mounts the inventory routes on an `/api/v1` scope. */
export function inventoryRoutes(app: App, inventory: Inventory, extras: { modelHealth?: ModelHealth } = {}): void {
  useCaseRoutes(app, inventory);
  modelRoutes(app, { ...inventory, ...(extras.modelHealth ? { health: extras.modelHealth } : {}) });
  versionRoutes(app, inventory);
  datasetRoutes(app, inventory);
}
