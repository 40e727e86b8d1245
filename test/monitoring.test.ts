import { beforeAll, describe, expect, it } from 'vitest';
import { createProfileBuilder } from '../src/domain/monitoring/profile.ts';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from './helpers/app.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';
import { adHocAnalysis, creditScoring } from './helpers/policy.ts';

const DAY = 86_400_000;
const PASSWORD = (user: string) => `${user}-correct-horse-battery`;
const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

/** Deterministic pseudo-random numbers (mulberry32) and normals (Box-Muller). */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, normal: (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) };
}

interface Row { id: string; timestamp: string; features: { age: number; region: string }; prediction: number; score: number }

/** `n` prediction records in the day starting at `dayMs`; `shift` moves ages and skews regions. */
function records(prefix: string, dayMs: number, n: number, seed: number, shift = 0): Row[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const age = Math.round(r.normal(40 + shift, 10) * 10) / 10;
    const u = r.next();
    const region = shift ? (u < 0.7 ? 'APAC' : u < 0.85 ? 'EU' : 'US') : u < 0.5 ? 'EU' : u < 0.8 ? 'US' : 'APAC';
    const score = Math.round(r.next() * 1000) / 1000;
    return { id: `${prefix}-${i}`, timestamp: new Date(dayMs + Math.floor((i / n) * (DAY - 1000))).toISOString(), features: { age, region }, prediction: score >= 0.5 ? 1 : 0, score };
  });
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe.each(DB_KINDS)('production monitoring on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'other'], monitoring: { pollMs: 100, maxBatchBytes: 256 * 1024 } });
    const tok: Record<string, string> = {};
    const v1 = '/api/v1/models/pd/versions/1';
    let useCase = '';
    // Whole days, well in the past of the app's clock: R is the reference, S1 and S2 production days.
    const today = Math.floor(Date.now() / DAY) * DAY;
    const R = today - 10 * DAY;
    const S1 = today - 3 * DAY;
    const S2 = today - 2 * DAY;
    const S3 = today - DAY;

    const post = (url: string, body: string, type = 'application/x-ndjson', token = tok.ds) => t.app.inject({ method: 'POST', url, headers: { 'content-type': type, authorization: `Bearer ${token}` }, payload: body }).then((r) => ({ status: r.statusCode, headers: r.headers, body: r.json(), text: r.body }));
    const monitoring = async () => (await call(t.app, { method: 'GET', url: `${v1}/monitoring` })).body;
    /** Waits until the background jobs computed every window. */
    const settled = async (windows: number) => {
      for (let i = 0; i < 300; i++) {
        const m = await monitoring();
        if (m.items.length >= windows && m.items.every((w: { pending: boolean }) => !w.pending)) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`windows not computed: ${JSON.stringify((await monitoring()).items.map((w: { start: string; pending: boolean }) => [w.start, w.pending]))}`);
    };
    const windowOf = (m: { items: { start: string }[] }, day: number) => m.items.find((w) => w.start === new Date(day).toISOString()) as Record<string, any>;

    beforeAll(async () => {
      tok.ds = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      tok.prod = await seedUser(t.app, 'pete', [{ scope: 'lending', role: 'production' }]);
      tok.owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      tok.risk = await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
      tok.outsider = await seedUser(t.app, 'otto', [{ scope: 'other', role: 'data-scientist' }]);
      useCase = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('credit', { ownerTeam: 'lending' }) })).body.id;
      expect((await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${useCase}/assessment`, body: { answers: creditScoring } })).body.tier).toBe(4);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/models', token: tok.ds, body: { name: 'pd', useCaseId: useCase } })).status).toBe(201);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/models/pd/versions', token: tok.ds, body: { artifactUri: 's3://m/1', artifactDigest: sha(1) } })).status).toBe(201);
      // The evaluation the version was accepted on: accuracy 0.9, the baseline decay is measured against.
      const csv = `y,yhat,group\n${Array.from({ length: 100 }, (_, i) => `${i % 2},${i < 10 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'a' : 'b'}`).join('\n')}\n`;
      expect((await post(`${v1}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=group`, csv, 'text/csv')).status).toBe(201);
    });

    it('logs predictions idempotently by record id, with accepted, duplicate and rejected counts and reasons', async () => {
      const rows = records('ref', R, 200, 1);
      const batch = jsonl([...rows, rows[0], { timestamp: rows[1]!.timestamp, features: {} }, { id: 'bad-time', timestamp: 'yesterday', features: {} }]);
      const first = await post(`${v1}/predictions`, batch);
      expect(first.status, first.text).toBe(200);
      expect(first.body).toMatchObject({ kind: 'predictions', accepted: 200, duplicates: 1, rejected: 2 });
      expect(first.body.reasons.map((r: { record: number; reason: string }) => [r.record, r.reason.split(' ')[0]])).toEqual([[202, 'id'], [203, 'timestamp']]);
      const again = await post(`${v1}/predictions`, batch);
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 201, rejected: 2 });
      // CSV with flat feature columns lands in the same log.
      const csv = `id,timestamp,age,region,prediction,score\ncsv-1,${new Date(R + 5000).toISOString()},41.5,EU,1,0.7\n`;
      expect((await post(`${v1}/predictions`, csv, 'text/csv')).body).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0 });
      const batches = (await call(t.app, { method: 'GET', url: `${v1}/ingest-batches` })).body.items;
      expect(batches.map((b: { accepted: number }) => b.accepted)).toEqual([1, 0, 200]);
    });

    it('refuses malformed, oversize, foreign and unauthorised batches without writing anything', async () => {
      const count = async () => (await call(t.app, { method: 'GET', url: `${v1}/ingest-batches` })).body.items.length;
      const before = await count();
      expectProblem(await post(`${v1}/predictions`, '{"id":"x","timestamp":"2026-01-01T00:00:00Z"}\n{not json\n'), 400, 'validation_failed');
      expectProblem(await post(`${v1}/predictions`, '"just a string"\n'), 400, 'validation_failed');
      expectProblem(await post(`${v1}/predictions`, ''), 400, 'validation_failed');
      expectProblem(await post(`${v1}/predictions`, 'id,timestamp\n"unterminated,x\n', 'text/csv'), 400, 'validation_failed');
      expectProblem(await post(`${v1}/predictions`, '{}', 'application/xml'), 415, 'unsupported_media_type');
      expectProblem(await post(`${v1}/predictions`, jsonl(records('big', S1, 3000, 9))), 413, 'payload_too_large');
      expectProblem(await post('/api/v1/models/pd/versions/9/predictions', jsonl(records('x', S1, 1, 1))), 404, 'not_found');
      expectProblem(await post(`${v1}/predictions`, jsonl(records('x', S1, 1, 1)), 'application/x-ndjson', tok.outsider), 403, 'forbidden');
      // A record without a label is rejected with its reason; the batch itself is recorded.
      expect((await post(`${v1}/labels`, '{"id":"ref-1"}\n')).body).toMatchObject({ accepted: 0, rejected: 1, reasons: [{ record: 1, id: 'ref-1', reason: 'label is missing or not a single value' }] });
      expect(await count()).toBe(before + 1);
      // Nothing of the refused batches reached the log: the 'x-0' record was never stored.
      const labels = await post(`${v1}/labels`, jsonl([{ id: 'x-0', label: 1 }]));
      expect(labels.body).toMatchObject({ accepted: 0, rejected: 1 });
    });
  });
});

void adHocAnalysis;
