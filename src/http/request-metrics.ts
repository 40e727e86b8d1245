import type { FastifyInstance } from 'fastify';

/**
 * Observes every answered request by method, route template and status. The template (not the raw
 * URL) keeps the label set bounded: ids and names in paths would make a series per object.
 */
export function installRequestMetrics(
  app: FastifyInstance,
  observe: (method: string, route: string, status: number, seconds: number) => void,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
