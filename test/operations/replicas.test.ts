// Three real server processes on one PostgreSQL database, as a deployment runs them: concurrent
// writes through all three keep one consistent state and one audit trail, contested commands have
// one outcome, background work runs once, a write on one is read at once on another, and a replica
// killed mid-load loses nothing it acknowledged while the others keep serving.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, digest, useCaseBody } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/db.ts';
import { DAY, jsonl, records } from '../helpers/monitoring.ts';
import { creditScoring } from '../helpers/policy.ts';
import { httpClient, startServerProcess, type HttpAnswer, type ServerProcess } from '../helpers/server-process.ts';

const V1 = '/api/v1/models/pd/versions/1';
const PASSWORD = (user: string) => `${user}-correct-horse-battery`;
type Client = ReturnType<typeof httpClient>;

describe.skipIf(skipReason('postgres') !== null)(skipReason('postgres') ?? 'three replicas on PostgreSQL', () => {
  let testDb: TestDatabase;
  let env: Record<string, string>;
  const replicas: ServerProcess[] = [];
  /** Clients of each replica, as the admin and as each user. */
  const as: Record<string, Client[]> = {};
  let receiver: Server;
  const deliveries = new Map<string, number>();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const id = String(req.headers['steward-delivery']);
      req.resume().on('end', () => {
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    testDb = await createTestDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'steward-replicas-'));
    env = {
      STEWARD_DATABASE_URL: (testDb.config as { url: string }).url,
      STEWARD_DATA_DIR: dir,
      // Replicas share the audit signing key (docs/operations.md).
      STEWARD_AUDIT_KEY_FILE: join(dir, 'audit-signing-key.pem'),
      STEWARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      STEWARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    };
    // The first migrates and bootstraps; the other two start on the migrated database together.
    replicas.push(await startServerProcess(env));
    replicas.push(...(await Promise.all([1, 2].map(() => startServerProcess(env)))));
    as.admin = replicas.map((r) => httpClient(r.url, ADMIN_TOKEN));
    const admin = as.admin[0]!;
    const hook = await admin('POST', '/api/v1/webhooks', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      events: ['*'],
    });
    expect(hook.status).toBe(201);
    expect((await admin('POST', '/api/v1/teams', { name: 'lending' })).status).toBe(201);
    for (const [user, role] of [
      ['dana', 'data-scientist'],
      ['olga', 'business-stakeholder'],
    ] as const) {
      const created = await admin('POST', '/api/v1/users', {
        username: user,
        displayName: user,
        password: PASSWORD(user),
        roles: [{ scope: 'lending', role }],
      });
      expect(created.status).toBe(201);
      const token = (await admin('POST', '/api/v1/tokens', { name: 'replicas', username: user })).body.token as string;
      as[user] = replicas.map((r) => httpClient(r.url, token));
    }
    const uc = await admin('POST', '/api/v1/use-cases', useCaseBody('credit', { ownerTeam: 'lending' }));
    expect(uc.status).toBe(201);
    expect((await admin('PUT', `/api/v1/use-cases/${uc.body.id}/assessment`, { answers: creditScoring })).status).toBe(
      200,
    );
    expect((await as.dana![1]!('POST', '/api/v1/models', { name: 'pd', useCaseId: uc.body.id })).status).toBe(201);
    expect(
      (await as.dana![2]!('POST', '/api/v1/models/pd/versions', { artifactUri: 's3://m/1', artifactDigest: digest(1) }))
        .status,
    ).toBe(201);
  }, 180_000);

  afterAll(async () => {
    for (const r of replicas) await r.kill();
    await new Promise<void>((r) => receiver?.close(() => r()));
    await testDb?.drop();
  });

  /** Round-robin over the replicas still running. */
  const spread = <T>(n: number, fn: (replica: number, i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: n }, (_, i) => fn(i % replicas.length, i)));

  it('gives concurrent version creations through all three distinct, gapless numbers', async () => {
    const created = await spread(60, (r, i) =>
      as.dana![r]!('POST', '/api/v1/models/pd/versions', {
        artifactUri: `s3://m/c${i}`,
        artifactDigest: digest(`c${i}`),
      }),
    );
    expect(created.map((c) => c.status)).toEqual(created.map(() => 201));
    const numbers = created.map((c) => c.body.version as number).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(60);
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
  }, 120_000);

  it('shows a write on one replica to the next request on another', async () => {
    for (let i = 0; i < 9; i++) {
      const [w, r] = [i % 3, (i + 1) % 3];
      const made = await as.dana![w]!('POST', '/api/v1/models/pd/versions', {
        artifactUri: `s3://m/read-${i}`,
        artifactDigest: digest(`read-${i}`),
      });
      expect(made.status).toBe(201);
      const read = await as.dana![r]!('GET', `/api/v1/models/pd/versions/${made.body.version}`);
      expect([read.status, read.body.artifactDigest]).toEqual([200, digest(`read-${i}`)]);
      const patched = await as.dana![r]!(
        'PATCH',
        '/api/v1/models/pd',
        { description: `round ${i}` },
        {
          'content-type': 'application/merge-patch+json',
        },
      );
      expect(patched.status).toBe(200);
      expect((await as.dana![w]!('GET', '/api/v1/models/pd')).body.description).toBe(`round ${i}`);
    }
  }, 120_000);

  it('gives each contested command one outcome: signature, lifecycle step, promotion, model name', async () => {
    const lifecycle = (await as.dana![0]!('GET', `${V1}/lifecycle`)).body;
    const scoping = lifecycle.steps.find((s: { id: string }) => s.id === 'business-scoping');
    for (const b of scoping.gate.blockers as { detail: string[] }[])
      for (const d of b.detail) {
        const m = /^a '([a-z0-9.-]+)' document/.exec(d);
        if (!m) continue;
        const posted = await as.dana![0]!('POST', `${V1}/documents`, { kind: m[1], title: m[1], content: `# ${m[1]}` });
        expect(posted.status).toBe(201);
        // Scoping documents count once the owner's team accepts them (an e-signed review).
        const review = await as.olga![0]!('POST', `${V1}/documents/${posted.body.id}/review`, {
          decision: 'accepted',
          role: 'business-stakeholder',
          comment: 'reviewed',
          password: PASSWORD('olga'),
        });
        expect(review.status, JSON.stringify(review.body)).toBe(201);
      }
    const outcome = (answers: HttpAnswer[], won: (a: HttpAnswer) => boolean, lost: number[]) => {
      expect(answers.filter(won)).toHaveLength(1);
      for (const a of answers.filter((x) => !won(x))) expect(lost).toContain(a.status);
    };
    const signs = await spread(9, (r) =>
      as.olga![r]!('POST', `${V1}/signatures`, {
        role: 'business-stakeholder',
        meaning: 'approve',
        password: PASSWORD('olga'),
      }),
    );
    // The losers meet the signature already made (409) or the sign-in limit that counts attempts in advance (429).
    outcome(signs, (a) => a.status === 201, [409, 429]);
    expect((await as.dana![1]!('GET', `${V1}/signatures`)).body.items).toHaveLength(1);
    const moves = await spread(6, (r) => as.dana![r]!('POST', `${V1}/lifecycle/transitions`, { to: 'ideation' }));
    outcome(moves, (a) => a.status === 200, [409]);
    const promotions = await spread(9, (r) =>
      as.dana![r]!('POST', `${V1}/promotions`, { environment: 'development', reason: 'race', mode: 'batch' }),
    );
    outcome(promotions, (a) => a.status === 201 && a.body.status === 'completed', [409]);
    const deployments = (await as.dana![2]!('GET', `${V1}/lifecycle`)).body.deployments as { mode: string }[];
    expect(deployments.filter((d) => d.mode === 'batch')).toHaveLength(1);
    const uc = (await as.admin![0]!('GET', '/api/v1/use-cases')).body.items[0].id as string;
    const names = await spread(6, (r) => as.dana![r]!('POST', '/api/v1/models', { name: 'contested', useCaseId: uc }));
    outcome(names, (a) => a.status === 201, [409]);
  }, 180_000);

  it('ingests overlapping batches through all three once, and computes their windows', async () => {
    const day = Math.floor(Date.now() / DAY) * DAY - DAY;
    const rows = records('replicas', day, 300, 7);
    // Three batches that overlap by a third each: 300 distinct records in all.
    const batches = [rows.slice(0, 150), rows.slice(100, 250), [...rows.slice(200), ...rows.slice(0, 50)]];
    const answers = await Promise.all(
      batches.map((b, r) =>
        fetch(`${replicas[r]!.url}${V1}/predictions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
          body: jsonl(b),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { accepted: number } })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(300);
    let windows: { pending: boolean }[] = [];
    for (let i = 0; i < 200; i++) {
      windows = (await as.admin![i % 3]!('GET', `${V1}/monitoring`)).body.items;
      if (windows.length > 0 && windows.every((w) => !w.pending)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => !w.pending)).toBe(true);
  }, 120_000);

  it('delivers each webhook once, though three dispatchers poll', async () => {
    const hook = (await as.admin![0]!('GET', '/api/v1/webhooks')).body.items[0].id as string;
    const all = async () => {
      const items: { id: string; status: string }[] = [];
      let url = `/api/v1/webhooks/${hook}/deliveries?limit=200`;
      for (;;) {
        const page = (await as.admin![0]!('GET', url)).body;
        items.push(...page.items);
        if (!page.nextCursor) return items;
        url = `/api/v1/webhooks/${hook}/deliveries?limit=200&cursor=${encodeURIComponent(page.nextCursor)}`;
      }
    };
    let listed: { id: string; status: string }[] = [];
    for (let i = 0; i < 150; i++) {
      listed = await all();
      if (listed.length > 0 && listed.every((d) => d.status === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed.every((d) => d.status === 'succeeded')).toBe(true);
    expect(listed.length).toBeGreaterThan(70);
    expect(new Set(listed.map((d) => d.id))).toEqual(new Set(deliveries.keys()));
    expect([...deliveries.values()].filter((n) => n !== 1)).toEqual([]);
  }, 120_000);

  it('keeps serving and loses nothing acknowledged when a replica is killed mid-load', async () => {
    const acknowledged = new Set<number>();
    const load = async (r: number, i: number) => {
      // Requests to the killed replica fail (connection reset or refused): not acknowledged.
      const res = await as.dana![r]!('POST', '/api/v1/models/pd/versions', {
        artifactUri: `s3://m/k${i}`,
        artifactDigest: digest(`k${i}`),
      }).catch(() => null);
      if (res?.status === 201) acknowledged.add(res.body.version as number);
      return res;
    };
    const waves: Promise<unknown>[] = [];
    for (let wave = 0; wave < 6; wave++) {
      waves.push(
        Promise.all(
          Array.from({ length: 15 }, async (_, j) => {
            const r = j % 3;
            const res = await load(r, wave * 15 + j);
            // The survivors answer every request, during the kill and after it.
            if (r !== 2) expect(res?.status).toBe(201);
          }),
        ),
      );
      if (wave === 2) await replicas[2]!.kill();
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(waves);
    expect(replicas[2]!.child.signalCode).toBe('SIGKILL');
    const listed = new Set<number>();
    let url = '/api/v1/models/pd/versions?limit=200';
    for (;;) {
      const page = (await as.dana![0]!('GET', url)).body;
      for (const v of page.items as { version: number }[]) listed.add(v.version);
      if (!page.nextCursor) break;
      url = `/api/v1/models/pd/versions?limit=200&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    for (const v of acknowledged) expect(listed.has(v), `acknowledged version ${v}`).toBe(true);
    expect((await as.dana![1]!('GET', '/api/v1/models/pd')).status).toBe(200);
  }, 180_000);

  it('leaves one audit trail that verifies', async () => {
    for (const r of replicas.slice(0, 2)) expect(await r.stop()).toBe(0);
    const verify = await runCli(['audit', 'verify'], env, 120_000);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  }, 180_000);
});
