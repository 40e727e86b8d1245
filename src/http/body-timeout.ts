import { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors.ts';
import { sendProblem } from './problem.ts';

export interface BodyTimeout {
  /** A body must bring `minBytes` within this many milliseconds of the server reading it. */
  idleMs: number;
  minBytes: number;
}

export const DEFAULT_BODY_TIMEOUT: BodyTimeout = { idleMs: 30_000, minBytes: 1024 };

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

/**
 * Answers 408 and closes the connection when a request body stalls: fewer than `minBytes` arriving
 * in `idleMs` while the server is ready to read. A client trickling a body a byte at a time would
 * otherwise hold its request, and an evaluation slot, for as long as it likes. Time the server
 * itself spends not reading (the socket paused because a parser or model is busy) never counts.
 */
export function installBodyTimeout(app: FastifyInstance, limits: BodyTimeout): void {
  const tick = Math.max(10, Math.floor(limits.idleMs / 4));
  app.addHook('onRequest', (request, reply, done) => {
    const req = request.raw;
    const socket = req.socket;
    // Only real sockets are watched (app.inject's stand-in has no byte counts).
    if (req.complete || !hasBody(request) || !(socket instanceof Socket)) return done();
    let mark = socket.bytesRead;
    let since = Date.now();
    // Progress, and any pause or resume of reading by the server, starts a new window.
    const reset = () => {
      mark = socket.bytesRead;
      since = Date.now();
    };
    const stop = () => {
      clearInterval(timer);
      socket.off('pause', reset);
      socket.off('resume', reset);
    };
    const timer = setInterval(() => {
      if (req.complete || req.destroyed) return stop();
      if (socket.isPaused() || socket.bytesRead - mark >= limits.minBytes) return reset();
      if (Date.now() - since < limits.idleMs) return;
      stop();
      stalled(request, reply, limits);
    }, tick);
    timer.unref();
    socket.on('pause', reset);
    socket.on('resume', reset);
    req.once('end', stop);
    req.once('close', stop);
    done();
  });
}

function stalled(request: FastifyRequest, reply: FastifyReply, limits: BodyTimeout): void {
  const err = new DomainError(
    'request_timeout',
    `the request body stalled: fewer than ${limits.minBytes} bytes arrived in ${limits.idleMs / 1000} s; the connection is closed`,
  );
  request.log.info({ code: err.code }, 'request body stalled');
  // The handler still waiting for the body fails when the request is destroyed, and lets go of
  // whatever it holds (an evaluation slot); the client learns why first, where it still can.
  const end = () => void request.raw.destroy(err);
  if (reply.sent || reply.raw.headersSent) return end();
  reply.raw.once('finish', end);
  reply.raw.once('close', end);
  sendProblem(request, reply.header('connection', 'close'), err);
}
