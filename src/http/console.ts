import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../errors.ts';
import type { App } from './app-types.ts';
import { decodedPath, isApiUrl } from './auth.ts';

/**
 * The console's policy: everything from this origin, nothing inline, nothing from elsewhere. React
 * sets `style` through the CSSOM, which style-src does not govern, so no 'unsafe-inline' is needed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function harden(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/** Paths the server owns outside the APIs; an unknown one under them is a 404 problem, not the console. */
const SERVER_PATHS = ['/docs', '/openapi.json', '/healthz', '/assets', '/api'];

/**
 * Serves the built console (static assets, then index.html for every other GET so client-side
 * routes survive a reload). Returns false, serving nothing, when `dir` holds no build.
 */
export async function registerConsole(app: App, dir: string): Promise<boolean> {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile);
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      harden(reply);
      return payload;
    });
    // Hashed file names: cache for a year; index.html must always be revalidated.
    await scope.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      wildcard: false,
      immutable: true,
      maxAge: '365d',
      decorateReply: false,
    });
    const sendIndex = (reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
    scope.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
    scope.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const decoded = decodedPath(request.url);
      if (isApiUrl(decoded) || SERVER_PATHS.some((p) => decoded === p || decoded.startsWith(`${p}/`))) {
        throw new DomainError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
      }
      return sendIndex(reply);
    });
  });
  return true;
}
