import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { internalRange, parseAllowList } from '../../src/domain/internal-addresses.ts';
import { call, expectProblem, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe('internal addresses', () => {
  it('names the internal range of IPv4 and IPv6 addresses and passes public ones', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.251', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['fe80::1%eth0', 'link-local'],
      ['fd12:3456::1', 'unique-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'IPv4-mapped'],
      ['::ffff:8.8.8.8', 'IPv4-mapped'],
      ['64:ff9b::a00:1', 'private'],
      ['8.8.8.8', undefined],
      ['172.32.0.1', undefined],
      ['2606:4700::1111', undefined],
      ['64:ff9b::808:808', undefined],
    ];
    expect(cases.map(([a]) => [a, internalRange(a)])).toEqual(cases);
  });

  it('reads host names, addresses and CIDR blocks as an allow list, and says what it cannot read', () => {
    const list = parseAllowList(['127.0.0.1', 'fd00::/8', 'Hooks.Internal', '10.0.0.0/33', 'a b']);
    expect([...list.names]).toEqual(['hooks.internal']);
    expect(list.blocks.map((b) => b.prefix)).toEqual([32, 8]);
    expect(list.invalid).toEqual(['10.0.0.0/33', 'a b']);
    expect(loadConfig({ STEWARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1, hooks.internal' }).webhookAllowHosts).toEqual([
      '127.0.0.1',
      'hooks.internal',
    ]);
    expect(() => loadConfig({ STEWARD_WEBHOOK_ALLOW_HOSTS: '10.0.0.0/33' })).toThrow(
      /STEWARD_WEBHOOK_ALLOW_HOSTS has '10.0.0.0\/33'/,
    );
  });
});

/** A receiver counting what it gets, listening on `host`. */
async function receiver(host: string, status = 200): Promise<{ server: Server; port: number; got: string[] }> {
  const got: string[] = [];
  const server = createServer((req, res) => {
    got.push(req.url!);
    req.resume();
    res.writeHead(status).end();
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return { server, port: (server.address() as AddressInfo).port, got };
}

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.each(DB_KINDS)('webhook targets on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    describe('with no allow list', () => {
      const t = useTestApp(kind, { webhooks: { pollMs: 20, backoffBaseMs: 40, capMs: 200, maxAttempts: 3 } });
      let r: Awaited<ReturnType<typeof receiver>>;
      beforeAll(async () => {
        r = await receiver('127.0.0.1');
      });
      afterAll(() => new Promise<void>((done) => r.server.close(() => done())));

      it('refuses a subscription whose URL names an internal address or this host', async () => {
        for (const url of [
          `http://127.0.0.1:${r.port}/hook`,
          'http://2130706433/',
          'http://localhost/',
          'http://app.localhost/',
          'http://[::1]/',
          'http://[::ffff:127.0.0.1]/',
          'http://[fd00::1]/',
          'http://[fe80::1]/',
          'http://0.0.0.0/',
          'http://10.0.0.1/',
          'http://169.254.169.254/latest/meta-data',
          'http://100.64.0.1/',
          'http://224.0.0.1/',
        ]) {
          const res = await call(t.app, { method: 'POST', url: '/api/v1/webhooks', body: { url } });
          expectProblem(res, 400, 'validation_failed');
          expect(res.body.detail, url).toMatch(/may not target internal addresses.*STEWARD_WEBHOOK_ALLOW_HOSTS/);
        }
        // Not a URL at all: refused as well, not a server error.
        for (const url of ['http://', 'http://a b/'])
          expectProblem(
            await call(t.app, { method: 'POST', url: '/api/v1/webhooks', body: { url } }),
            400,
            'validation_failed',
          );
        expect((await call(t.app, { method: 'GET', url: '/api/v1/webhooks' })).body.items).toEqual([]);
        expect(r.got).toEqual([]);
      });

      // The machine's own name resolves to one of its addresses: loopback or private, in any container.
      const own = hostname();
      it('refuses at delivery a name that resolves only to internal addresses, and sends nothing', async (ctx) => {
        const found = await lookup(own, { all: true }).catch(() => []);
        if (found.length === 0 || found.some((f) => internalRange(f.address) === undefined)) ctx.skip();
        const there = await receiver(found[0]!.address);
        try {
          const hook = await call(t.app, {
            method: 'POST',
            url: '/api/v1/webhooks',
            body: { url: `http://${own}:${there.port}/hook`, events: ['use-case.create'] },
          });
          expect(hook.status, hook.text).toBe(201);
          await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('resolved') });
          const d = await waitFor('the refused attempt', async () => {
            const items = (await call(t.app, { method: 'GET', url: `/api/v1/webhooks/${hook.body.id}/deliveries` }))
              .body.items;
            return items.find((x: { attempts: number }) => x.attempts > 0);
          });
          expect(d.lastError).toMatch(/refused: .* resolves only to internal addresses/);
          expect(d.lastStatus).toBeNull();
          expect(there.got).toEqual([]);
        } finally {
          await new Promise<void>((done) => there.server.close(() => done()));
        }
      });
    });

    describe('with an allow list', () => {
      const t = useTestApp(kind, {
        webhooks: { pollMs: 20, backoffBaseMs: 300, capMs: 300, maxAttempts: 5 },
        webhookAllowHosts: ['localhost', '127.0.0.0/8'],
      });
      let ok: Awaited<ReturnType<typeof receiver>>;
      let down: Awaited<ReturnType<typeof receiver>>;
      beforeAll(async () => {
        ok = await receiver('127.0.0.1');
        down = await receiver('127.0.0.1', 503);
      });
      afterAll(async () => {
        for (const s of [ok, down]) await new Promise<void>((done) => s.server.close(() => done()));
      });
      const deliveries = async (id: string) =>
        (await call(t.app, { method: 'GET', url: `/api/v1/webhooks/${id}/deliveries` })).body.items as {
          id: string;
          status: string;
          attempts: number;
          lastError: string | null;
        }[];

      it('delivers to allowed internal targets, by address and by name (connecting to the address checked)', async () => {
        for (const url of [`http://127.0.0.1:${ok.port}/by-address`, `http://localhost:${ok.port}/by-name`])
          expect(
            (await call(t.app, { method: 'POST', url: '/api/v1/webhooks', body: { url, events: ['model.create'] } }))
              .status,
          ).toBe(201);
        // Allowed: 127.0.0.0/8 and localhost; refused still: other internal ranges.
        expectProblem(
          await call(t.app, { method: 'POST', url: '/api/v1/webhooks', body: { url: 'http://[::1]/' } }),
          400,
          'validation_failed',
        );
        const uc = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('allowed') });
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'allowed-m', useCaseId: uc.body.id },
        });
        await waitFor('both deliveries', async () => (ok.got.length === 2 ? true : undefined));
        expect(ok.got.sort()).toEqual(['/by-address', '/by-name']);
      });

      it('drops the pending retries of a deleted webhook', async () => {
        const hook = await call(t.app, {
          method: 'POST',
          url: '/api/v1/webhooks',
          body: { url: `http://127.0.0.1:${down.port}/down`, events: ['use-case.create'] },
        });
        expect(hook.status).toBe(201);
        await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('doomed') });
        const first = await waitFor('the first failed attempt', async () =>
          (await deliveries(hook.body.id)).find((d) => d.attempts === 1 && d.status === 'pending'),
        );
        expect((await call(t.app, { method: 'DELETE', url: `/api/v1/webhooks/${hook.body.id}` })).status).toBe(204);
        // Longer than the retry delay: no second attempt reaches the receiver.
        await new Promise((res) => setTimeout(res, 700));
        expect(down.got).toEqual(['/down']);
        expect((await deliveries(hook.body.id)).find((d) => d.id === first.id)).toMatchObject({
          status: 'failed',
          attempts: 1,
          lastError: 'dropped: the webhook was deleted',
        });
        expectProblem(
          await call(t.app, {
            method: 'POST',
            url: `/api/v1/webhooks/${hook.body.id}/deliveries/${first.id}/replay`,
          }),
          409,
          'conflict',
        );
      });
    });
  });
});
