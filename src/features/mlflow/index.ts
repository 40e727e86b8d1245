import type { App } from '../../http/app-types.ts';
import type { JobHandler, JobQueue } from '../../jobs/queue.ts';
import type { Feature } from '../feature.ts';
import { MLFLOW_PREFIXES, mlflowRoutes } from './mlflow.routes.ts';
import { createMlflowService, type MlflowDeps } from './mlflow.service.ts';

export { MLFLOW_PREFIXES } from './mlflow.routes.ts';
export type { MlflowConfig, MlflowService } from './mlflow.service.ts';

/** The job that runs a pending version's registration checks after its creation committed. */
const REGISTRATION = 'mlflow.registration';

export interface MlflowFeatureDeps extends Omit<MlflowDeps, 'schedule'> {
  queue: Pick<JobQueue, 'send'>;
}

/** The MLflow Model Registry protocol: its service, its routes on every MLflow prefix, its job. */
export function createMlflowFeature({ queue, ...deps }: MlflowFeatureDeps) {
  const mlflow = createMlflowService({
    ...deps,
    schedule: (versionId) => queue.send(REGISTRATION, { versionId }, versionId),
  });
  const jobs: Record<string, JobHandler> = {
    [REGISTRATION]: async (data) => mlflow.finishRegistration(String(data.versionId)),
  };
  const services = { mlflow };
  return {
    services,
    rootRoutes: async (app: App) => {
      for (const prefix of MLFLOW_PREFIXES)
        await app.register(async (scope) => mlflowRoutes(scope as App, mlflow), { prefix });
    },
    jobs,
    on: (bus) => {
      // current_stage shows deployments: kept entities of the model's versions are stale now.
      bus.afterCommit('deployment.changed', () => mlflow.deploymentsChanged());
    },
  } satisfies Feature<typeof services>;
}

export type MlflowFeature = ReturnType<typeof createMlflowFeature>;
