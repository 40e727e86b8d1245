import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RequestContext } from '../context.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The attributable context of a request: who (once identity exists), which request, from where. */
export function contextOf(request: FastifyRequest): RequestContext {
  return { actor: request.actor ?? null, requestId: request.id, source: request.ip ?? null };
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: import('../context.ts').Actor | null;
  }
}
