import { mkdtempSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp, type TestApp } from './app.ts';
import type { DbKind } from './db.ts';
import { creditScoring } from './policy.ts';

export const DAY = 86_400_000;
export const PASSWORD = (user: string) => `${user}-correct-horse-battery`;
export const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

/** Deterministic pseudo-random numbers (mulberry32) and normals (Box-Muller). */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: (mean: number, sd: number) =>
      mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

export interface Row {
  id: string;
  timestamp: string;
  features: { age: number; region: string };
  prediction: number;
  score: number;
}

/** `n` prediction records in the day starting at `dayMs`; `shift` moves ages and skews regions. */
export function records(prefix: string, dayMs: number, n: number, seed: number, shift = 0): Row[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const age = Math.round(r.normal(40 + shift, 10) * 10) / 10;
    const u = r.next();
    const region = shift ? (u < 0.7 ? 'APAC' : u < 0.85 ? 'EU' : 'US') : u < 0.5 ? 'EU' : u < 0.8 ? 'US' : 'APAC';
    const score = Math.round(r.next() * 1000) / 1000;
    return {
      id: `${prefix}-${i}`,
      timestamp: new Date(dayMs + Math.floor((i / n) * (DAY - 1000))).toISOString(),
      features: { age, region },
      prediction: score >= 0.5 ? 1 : 0,
      score,
    };
  });
}
export const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

type Post = (
  url: string,
  body: string,
  type?: string,
  token?: string,
) => Promise<{ status: number; headers: OutgoingHttpHeaders; body: any; text: string }>;
type Windows = { items: { start: string; pending: boolean }[] } & Record<string, any>;

export interface MonitoredVersion {
  t: TestApp;
  /** API tokens: ds (data scientist), prod (production), owner (business stakeholder), risk (risk-audit), outsider. */
  tok: Record<string, string>;
  /** The monitored version's URL: pd version 1 under the high-risk use case credit. */
  v1: string;
  useCase: string;
  /** A directory under the app's artifact roots. */
  dir: string;
  /** Whole days in the past of the app's clock: R the reference, S1-S3 production days. */
  today: number;
  R: number;
  S1: number;
  S2: number;
  S3: number;
  /** Deliveries to the webhook subscribed to alert.* and incident.* (the production team's pager). */
  received: { event: string; body: Record<string, any> }[];
  post: Post;
  monitoring: () => Promise<Windows>;
  /** Waits until the background jobs computed every window. */
  settled: (windows: number) => Promise<Windows>;
  windowOf: (m: { items: { start: string }[] }, day: number) => Record<string, any>;
  /** A monitor configuration of v1 (reference: day R), with `extra` fields. */
  config: (extra?: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * The production-monitoring set-up: teams lending and other, the people of the RACI, the
 * high-risk use case credit with model pd and version 1 (evaluated at accuracy 0.9, the baseline
 * decay is measured against), and a webhook receiver for alerts and incidents.
 */
export function useMonitoredVersion(kind: DbKind): MonitoredVersion {
  const dir = mkdtempSync(join(tmpdir(), 'steward-monitoring-'));
  const t = useTestApp(kind, {
    teams: ['lending', 'other'],
    monitoring: { pollMs: 100, maxBatchBytes: 256 * 1024 },
    artifacts: { roots: [dir], hosts: [] },
    webhooks: { pollMs: 20, backoffBaseMs: 40, capMs: 200, maxAttempts: 3, timeoutMs: 2000 },
    // The receivers listen on 127.0.0.1, an internal address webhooks reach only when allowed.
    webhookAllowHosts: ['127.0.0.1'],
  });
  let receiver: Server;
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  const tok: Record<string, string> = {};
  const v1 = '/api/v1/models/pd/versions/1';
  const today = Math.floor(Date.now() / DAY) * DAY;
  const R = today - 10 * DAY;

  const post: Post = (url, body, type = 'application/x-ndjson', token = tok.ds) =>
    t.app
      .inject({
        method: 'POST',
        url,
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        payload: body,
      })
      .then((r) => ({ status: r.statusCode, headers: r.headers, body: r.json(), text: r.body }));
  const monitoring = async () => (await call(t.app, { method: 'GET', url: `${v1}/monitoring` })).body as Windows;
  const settled = async (windows: number) => {
    for (let i = 0; i < 300; i++) {
      const m = await monitoring();
      if (m.items.length >= windows && m.items.every((w) => !w.pending)) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `windows not computed: ${JSON.stringify((await monitoring()).items.map((w) => [w.start, w.pending]))}`,
    );
  };
  const s: MonitoredVersion = {
    t,
    tok,
    v1,
    useCase: '',
    dir,
    today,
    R,
    S1: today - 3 * DAY,
    S2: today - 2 * DAY,
    S3: today - DAY,
    received: [],
    post,
    monitoring,
    settled,
    windowOf: (m, day) => m.items.find((w) => w.start === new Date(day).toISOString()) as Record<string, any>,
    config: (extra = {}) => ({
      monitors: ['input-drift', 'performance-decay', 'event-logging'],
      task: 'binary-classification',
      features: { age: 'numerical', region: 'categorical' },
      reference: { from: new Date(R).toISOString(), to: new Date(R + DAY).toISOString() },
      ...extra,
    }),
  };

  beforeAll(async () => {
    tok.ds = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
    tok.prod = await seedUser(t.app, 'pete', [{ scope: 'lending', role: 'production' }]);
    tok.owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
    tok.risk = await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
    tok.outsider = await seedUser(t.app, 'otto', [{ scope: 'other', role: 'data-scientist' }]);
    s.useCase = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('credit', { ownerTeam: 'lending' }),
      })
    ).body.id;
    expect(
      (
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${s.useCase}/assessment`,
          body: { answers: creditScoring },
        })
      ).body.tier,
    ).toBe(4);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          token: tok.ds,
          body: { name: 'pd', useCaseId: s.useCase },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions',
          token: tok.ds,
          body: { artifactUri: 's3://m/1', artifactDigest: sha(1) },
        })
      ).status,
    ).toBe(201);
    // The evaluation the version was accepted on: accuracy 0.9, the baseline decay is measured against.
    const csv = `y,yhat,group\n${Array.from({ length: 100 }, (_, i) => `${i % 2},${i < 10 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'a' : 'b'}`).join('\n')}\n`;
    expect(
      (
        await post(
          `${v1}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=group`,
          csv,
          'text/csv',
        )
      ).status,
    ).toBe(201);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        s.received.push({ event: String(req.headers['steward-event']), body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hook = await call(t.app, {
      method: 'POST',
      url: '/api/v1/webhooks',
      body: {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
        events: ['alert.*', 'incident.*'],
        description: 'pager',
      },
    });
    expect(hook.status, hook.text).toBe(201);
  });
  return s;
}

async function must(res: Promise<{ status: number; text: string }>, status = 200): Promise<void> {
  const r = await res;
  if (r.status !== status) throw new Error(`set-up request failed: ${r.status} ${r.text}`);
}

/**
 * The prediction log of day R as the ingestion scenario leaves it: 600 records, one more from a
 * CSV batch and one from a batch of otherwise refused records (602 in the reference).
 */
export async function seedReferenceLog(m: MonitoredVersion): Promise<void> {
  const rows = records('ref', m.R, 600, 4);
  const batch = jsonl([
    ...rows,
    rows[0],
    { timestamp: rows[1]!.timestamp, features: {} },
    { id: 'bad-time', timestamp: 'yesterday', features: {} },
  ]);
  await must(m.post(`${m.v1}/predictions`, batch));
  await must(m.post(`${m.v1}/predictions`, batch));
  const csv = `id,timestamp,age,region,prediction,score\ncsv-1,${new Date(m.R + 5000).toISOString()},41.5,EU,1,0.7\n`;
  await must(m.post(`${m.v1}/predictions`, csv, 'text/csv'));
  await must(
    m.post(
      `${m.v1}/predictions`,
      jsonl([
        { id: 'far-future', timestamp: '9e15', features: {} },
        { id: 'fine', timestamp: m.R + 1, features: { region: 'EU', age: 30 } },
      ]),
    ),
  );
}

/**
 * The drift scenario's state: the reference log, the monitor configured on it, days S1 (calm) and
 * S2 (drifted, raising a critical drift alert) logged and computed, and S1's late labels (40%
 * disagreeing: an accuracy-decay alert).
 */
export async function seedDriftAndDecay(m: MonitoredVersion): Promise<void> {
  await seedReferenceLog(m);
  await must(call(m.t.app, { method: 'PUT', url: `${m.v1}/monitor`, token: m.tok.ds, body: m.config() }));
  await must(
    m.post(`${m.v1}/predictions`, jsonl([...records('s1', m.S1, 300, 11), ...records('s2', m.S2, 300, 3, 15)])),
  );
  await m.settled(3);
  const truth = records('s1', m.S1, 300, 11).map((r, i) => ({
    id: r.id,
    label: i % 5 < 2 ? 1 - r.prediction : r.prediction,
  }));
  await must(m.post(`${m.v1}/labels`, jsonl(truth)));
  await m.settled(3);
  const alerts = async () =>
    (await call(m.t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items as { rule: string }[];
  for (let i = 0; i < 300 && !(await alerts()).some((a) => a.rule === 'accuracy-decay'); i++)
    await new Promise((r) => setTimeout(r, 50));
}
