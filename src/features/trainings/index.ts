import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { trainingsRepo } from './trainings.repo.ts';
import { trainingsRoutes } from './trainings.routes.ts';
import { createTrainingsService, type TrainingsDeps } from './trainings.service.ts';

/** Training records and policy acknowledgements; the training gate every e-signature passes. */
export function createTrainingsFeature(deps: Omit<TrainingsDeps, 'repo'>) {
  const trainings = createTrainingsService({ ...deps, repo: trainingsRepo });
  const services = {
    trainings,
    /** Throws 403 `training_required` when the signer lacks a training the roles signed in require. */
    gate: trainings.gate,
  };
  return { services, routes: (api: App) => trainingsRoutes(api, { trainings }) } satisfies Feature<typeof services>;
}
