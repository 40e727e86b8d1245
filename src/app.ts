import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { createInventory, inventoryRoutes } from './features/inventory.ts';
import { healthRoutes } from './features/health/health.routes.ts';
import type { App } from './http/app-types.ts';
import { registerDocs } from './http/docs.ts';
import { randomIds, type IdSource } from './http/ids.ts';
import { installProblemHandlers } from './http/problem.ts';
import { compileSchema } from './http/validation.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  config: Pick<Config, 'bodyLimit' | 'logLevel'>;
  database: DatabaseHandle;
  clock?: Clock;
  ids?: IdSource;
  /** Overrides Fastify's logger (tests pass false). */
  logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the HTTP application over an open, migrated database. */
export async function buildApp(opts: AppOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? { level: opts.config.logLevel },
    bodyLimit: opts.config.bodyLimit,
    // Honour a caller's correlation id when it is sane, otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: 512 },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // The API speaks JSON only; Fastify's default text/plain parser would let strings reach validation.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) => compileSchema(schema, (httpPart ?? 'body') as 'body'));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installProblemHandlers(app);
  await registerDocs(app, VERSION);

  healthRoutes(app, opts.database);
  const inventory = createInventory({ db: opts.database.db, transact: opts.database.transact, versionCache: opts.database.dialect === 'sqlite', clock: opts.clock ?? systemClock, ids: opts.ids ?? randomIds });
  await app.register(async (api) => inventoryRoutes(api as App, inventory), { prefix: '/api/v1' });
  return app;
}
