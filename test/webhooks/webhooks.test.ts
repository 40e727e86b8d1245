import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs, matchesEvent, verifyWebhook } from '../../src/domain/webhook-signature.ts';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhook delivery rules', () => {
  it('doubles the retry delay from its base up to the cap, with at most 20% jitter', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 5000, 3_600_000, () => 0))).toEqual([
      5000, 10000, 20000, 40000, 2_560_000,
    ]);
    expect(backoffMs(20, 5000, 3_600_000, () => 0)).toBe(3_600_000);
    expect(backoffMs(1, 5000, 3_600_000, () => 0.999)).toBeLessThanOrEqual(6000);
  });

  it('matches events by exact action, prefix or everything', () => {
    expect(matchesEvent(['*'], 'signature.create')).toBe(true);
    expect(matchesEvent(['signature.*'], 'signature.create')).toBe(true);
    expect(matchesEvent(['signature.*'], 'signatures.create')).toBe(false);
    expect(matchesEvent(['promotion.complete'], 'promotion.request')).toBe(false);
  });
});

describe.each(DB_KINDS)('webhooks on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, {
      webhooks: { pollMs: 20, backoffBaseMs: 40, capMs: 200, maxAttempts: 3, timeoutMs: 2000 },
      // The receivers listen on 127.0.0.1, an internal address webhooks reach only when allowed.
      webhookAllowHosts: ['127.0.0.1'],
    });
    const received: Received[] = [];
    // Answers per path: a queue of status codes (the last one repeats).
    const answers: Record<string, number[]> = { '/ok': [200], '/flaky': [500, 503, 204], '/down': [500] };
    let server: Server;
    let base = '';

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push({ path: req.url!, headers: req.headers, body });
          const queue = answers[req.url!] ?? [404];
          res.writeHead(queue.length > 1 ? queue.shift()! : queue[0]!).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const subscribe = async (path: string, events: string[]) => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/webhooks',
        body: { url: `${base}${path}`, events, description: path },
      });
      expect(res.status, res.text).toBe(201);
      return res.body as { id: string; secret: string };
    };
    const deliveries = async (id: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/webhooks/${id}/deliveries` })).body.items as {
        id: string;
        action: string;
        status: string;
        attempts: number;
        lastStatus: number | null;
        replayOf: string | null;
        eventSeq: number;
      }[];

    it('delivers every audited event, signed with HMAC-SHA256 over timestamp and body', async () => {
      const hook = await subscribe('/ok', ['*']);
      expect(hook.secret).toMatch(/^whsec_/);
      const listed = (await call(t.app, { method: 'GET', url: '/api/v1/webhooks' })).body.items;
      expect(listed.find((w: { id: string }) => w.id === hook.id)).not.toHaveProperty('secret');
      const uc = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('hooked') });
      expect(uc.status).toBe(201);
      const got = await waitFor('the use-case event', async () =>
        received.find((r) => r.path === '/ok' && r.headers['steward-event'] === 'use-case.create'),
      );
      const body = JSON.parse(got.body);
      expect(body).toMatchObject({
        webhook: hook.id,
        event: { action: 'use-case.create', subject: { type: 'use-case', id: uc.body.id }, actor: { kind: 'user' } },
      });
      expect(got.headers['steward-delivery']).toBe(body.delivery);
      // The documented verification recipe: HMAC-SHA256(secret, "<t>.<raw body>"), hex, constant-time compare.
      expect(
        verifyWebhook(hook.secret, got.body, String(got.headers['steward-signature']), Math.floor(Date.now() / 1000)),
      ).toBe(true);
      expect(
        verifyWebhook(
          hook.secret,
          `${got.body} `,
          String(got.headers['steward-signature']),
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(false);
      expect(
        verifyWebhook('whsec_other', got.body, String(got.headers['steward-signature']), Math.floor(Date.now() / 1000)),
      ).toBe(false);
      expect(
        verifyWebhook(
          hook.secret,
          got.body,
          String(got.headers['steward-signature']),
          Math.floor(Date.now() / 1000) + 3600,
        ),
      ).toBe(false);
      const log = await waitFor('a succeeded delivery', async () =>
        (await deliveries(hook.id)).find((d) => d.action === 'use-case.create' && d.status === 'succeeded'),
      );
      expect(log).toMatchObject({ attempts: 1, lastStatus: 200 });
    });

    it('publishes only committed events: a refused command sends nothing', async () => {
      const hook = await subscribe('/ok', ['use-case.*']);
      const before = (await deliveries(hook.id)).length;
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('bad', { ownerTeam: 'no-such-team' }),
        }),
        422,
        'invalid_reference',
      );
      await new Promise((r) => setTimeout(r, 150));
      expect((await deliveries(hook.id)).length).toBe(before);
    });

    it('retries failures with exponential backoff and keeps a delivery log', async () => {
      const flaky = await subscribe('/flaky', ['model.create']);
      const uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('flaky-uc') })).body
        .id;
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'flaky-model', useCaseId: uc } }))
          .status,
      ).toBe(201);
      const done = await waitFor('the third attempt', async () =>
        (await deliveries(flaky.id)).find((d) => d.status === 'succeeded'),
      );
      expect(done).toMatchObject({ action: 'model.create', attempts: 3, lastStatus: 204 });
      const attempts = received.filter((r) => r.path === '/flaky');
      expect(attempts).toHaveLength(3);
      // Every attempt carries the same delivery and body, each freshly signed.
      expect(new Set(attempts.map((a) => a.headers['steward-delivery'])).size).toBe(1);
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    });

    it('gives up after the last attempt, and a replay sends the event again', async () => {
      const down = await subscribe('/down', ['model.create']);
      const uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('down-uc') })).body
        .id;
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'down-model', useCaseId: uc } }))
          .status,
      ).toBe(201);
      const failed = await waitFor('the failed delivery', async () =>
        (await deliveries(down.id)).find((d) => d.status === 'failed'),
      );
      expect(failed).toMatchObject({ attempts: 3, lastStatus: 500 });
      answers['/down'] = [200];
      const replay = await call(t.app, {
        method: 'POST',
        url: `/api/v1/webhooks/${down.id}/deliveries/${failed.id}/replay`,
      });
      expect(replay.status).toBe(202);
      expect(replay.body).toMatchObject({ status: 'pending', replayOf: failed.id, eventSeq: failed.eventSeq });
      const again = await waitFor('the replay', async () =>
        (await deliveries(down.id)).find((d) => d.id === replay.body.id && d.status === 'succeeded'),
      );
      expect(again.attempts).toBe(1);
      const last = received.filter((r) => r.path === '/down').at(-1)!;
      expect(JSON.parse(last.body).delivery).toBe(replay.body.id);
      // A stopped subscription receives nothing more; its log stays.
      expect((await call(t.app, { method: 'DELETE', url: `/api/v1/webhooks/${down.id}` })).status).toBe(204);
      const count = (await deliveries(down.id)).length;
      await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'down-model-2', useCaseId: uc } });
      await new Promise((r) => setTimeout(r, 150));
      expect((await deliveries(down.id)).length).toBe(count);
      expectProblem(await call(t.app, { method: 'DELETE', url: `/api/v1/webhooks/${down.id}` }), 404, 'not_found');
    });

    it('is for administrators only and refuses bad subscriptions', async () => {
      const viewer = await seedUser(t.app, 'vera', [{ scope: '*', role: 'risk-audit' }]);
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/webhooks', token: viewer, body: { url: `${base}/ok` } }),
        403,
        'forbidden',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/webhooks', token: viewer }), 403, 'forbidden');
      for (const body of [
        { url: 'ftp://x' },
        { url: `${base}/ok`, events: ['Bad Event'] },
        { url: `${base}/ok`, events: [] },
        { url: `${base}/ok`, extra: 1 },
      ]) {
        expectProblem(await call(t.app, { method: 'POST', url: '/api/v1/webhooks', body }), 400, 'validation_failed');
      }
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries/00000000-0000-4000-8000-000000000000/replay',
        }),
        404,
        'not_found',
      );
    });
  });
});
