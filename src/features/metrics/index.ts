import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { metricsRoutes, type MetricsAccess } from './metrics.routes.ts';
import { createMetricsService, type MetricsDeps } from './metrics.service.ts';

export type { MetricsService } from './metrics.service.ts';

/** Prometheus metrics at `/metrics` (outside `/api/v1`: scrapers expect it there). */
export function createMetricsFeature(deps: MetricsDeps & { access: MetricsAccess }) {
  const metrics = createMetricsService(deps);
  const services = { metrics };
  return {
    services,
    rootRoutes: async (app: App) => metricsRoutes(app, { metrics, access: deps.access }),
  } satisfies Feature<typeof services>;
}
