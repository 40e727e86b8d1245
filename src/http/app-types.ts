import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RequestContext } from '../context.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The attributable context of a request: who, which request, from where, and why (Steward-Reason header). */
export function contextOf(request: FastifyRequest): RequestContext {
  const reason = request.headers['steward-reason'];
  return {
    principal: request.principal ?? null,
    requestId: request.id,
    source: request.ip ?? null,
    reason: typeof reason === 'string' && reason.trim() !== '' ? reason.trim().slice(0, 2000) : null,
  };
}
