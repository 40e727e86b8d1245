import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RequestContext } from '../context.ts';
import { decodeReason } from './reason.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The attributable context of a request: who, which request, from where, and why (Steward-Reason header). */
export function contextOf(request: FastifyRequest): RequestContext {
  const reason = decodeReason(request.headers['steward-reason']);
  return {
    principal: request.principal ?? null,
    requestId: request.id,
    source: request.ip ?? null,
    reason,
  };
}
