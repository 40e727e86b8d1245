import { timingSafeEqual } from 'node:crypto';
import { allowed, type AllowList } from '../../domain/internal-addresses.ts';
import { DomainError } from '../../errors.ts';
import type { App } from '../../http/app-types.ts';
import type { MetricsService } from './metrics.service.ts';

export interface MetricsAccess {
  /** A bearer token a scraper presents; when set, it is required from every address. */
  token?: string | undefined;
  /** Addresses and blocks that may scrape without a token (when no token is configured). */
  allow: AllowList;
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * `GET /metrics`, the Prometheus exposition. It is not an API route and takes no user credential:
 * a scraper presents the metrics token, or (without one configured) scrapes from an allowed
 * address, by default loopback only.
 */
export function metricsRoutes(app: App, deps: { metrics: MetricsService; access: MetricsAccess }): void {
  const { metrics, access } = deps;
  app.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary:
          'Prometheus metrics: HTTP requests, the database pool, the job queue and governance gauges (metrics token or an allowed address)',
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      if (access.token !== undefined) {
        const header = request.headers.authorization ?? '';
        if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7), access.token))
          throw new DomainError('unauthenticated', 'GET /metrics needs the metrics token (Authorization: Bearer …)');
      } else if (!allowed(access.allow, '', request.ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1'))) {
        throw new DomainError(
          'forbidden',
          `metrics are served to the addresses in STEWARD_METRICS_ALLOW (or with STEWARD_METRICS_TOKEN); ${request.ip} is not one of them`,
        );
      }
      const { contentType, body } = await metrics.exposition();
      return reply.type(contentType).send(body);
    },
  );
}
