// PostgreSQL goes away under traffic: the server answers 503 problem+json with Retry-After within
// its configured timeout, does not crash, and recovers by itself when the database is back (jobs
// included); /readyz says which. The database sits behind a TCP proxy the test cuts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, digest, useCaseBody } from '../helpers/app.ts';
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/db.ts';
import { DAY, jsonl, records } from '../helpers/monitoring.ts';
import { startPgProxy, type PgProxy } from '../helpers/pg-proxy.ts';
import { httpClient, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT_MS = 1500;

describe.skipIf(skipReason('postgres') !== null)(skipReason('postgres') ?? 'PostgreSQL outage', () => {
  let testDb: TestDatabase;
  let proxy: PgProxy;
  let server: ServerProcess;
  let api: ReturnType<typeof httpClient>;
  const acknowledged: number[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    proxy = await startPgProxy((testDb.config as { url: string }).url);
    server = await startServerProcess({
      STEWARD_DATABASE_URL: proxy.url,
      STEWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'steward-outage-')),
      STEWARD_DATABASE_TIMEOUT_MS: String(TIMEOUT_MS),
      STEWARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    });
    api = httpClient(server.url, ADMIN_TOKEN);
    expect((await api('POST', '/api/v1/teams', { name: 'credit-risk' })).status).toBe(201);
    const uc = await api('POST', '/api/v1/use-cases', useCaseBody('outage'));
    expect((await api('POST', '/api/v1/models', { name: 'pd', useCaseId: uc.body.id })).status).toBe(201);
  });
  afterAll(async () => {
    if (server && server.child.exitCode !== null) process.stderr.write(server.output().slice(-6000));
    await server?.stop();
    await proxy?.close();
    await testDb?.drop();
  });

  let n = 0;
  const createVersion = async () => {
    const i = n++;
    const res = await api('POST', '/api/v1/models/pd/versions', {
      artifactUri: `s3://m/${i}`,
      artifactDigest: digest(i),
    });
    if (res.status === 201) acknowledged.push(res.body.version as number);
    return res;
  };

  it('reports a reachable database on /readyz', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      database: { kind: 'postgres', reachable: true, migrated: true },
    });
  });

  it('answers 503 problem+json with Retry-After within the timeout while the database is away', async () => {
    // Traffic in flight when the database goes.
    const inFlight = Array.from({ length: 6 }, () => createVersion());
    await new Promise((r) => setTimeout(r, 20));
    proxy.cut();
    const early = await Promise.all(inFlight);
    for (const r of early) expect([201, 503]).toContain(r.status);

    for (const request of [
      () => createVersion(),
      () => api('GET', '/api/v1/models/pd/versions?limit=5'),
      () => api('GET', '/api/v1/use-cases'),
    ]) {
      const started = Date.now();
      const res = await request();
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3000);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ code: 'unavailable', status: 503 });
    }
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      database: { kind: 'postgres', reachable: false },
    });
    // Liveness of the process itself: it is still there.
    expect(server.child.exitCode).toBeNull();
  });

  it('recovers without a restart when the database returns, acknowledged writes all kept', async () => {
    proxy.restore();
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    expect((await createVersion()).status).toBe(201);
    const listed = await api('GET', '/api/v1/models/pd/versions?limit=200');
    expect(listed.status).toBe(200);
    const stored = new Set((listed.body.items as { version: number }[]).map((v) => v.version));
    for (const v of acknowledged) expect(stored.has(v), `acknowledged version ${v}`).toBe(true);
    expect(server.child.exitCode).toBeNull();
  });

  it('runs background jobs again: ingested predictions get their windows computed', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const v = acknowledged.at(-1)!;
    const res = await fetch(`${server.url}/api/v1/models/pd/versions/${v}/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: jsonl(records('after', today - DAY, 50, 3)),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 50 });
    let windows: { pending: boolean }[] = [];
    for (let i = 0; i < 150; i++) {
      windows = (await api('GET', `/api/v1/models/pd/versions/${v}/monitoring`)).body.items;
      if (windows.length > 0 && windows.every((w) => !w.pending)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => !w.pending)).toBe(true);
  });
});
