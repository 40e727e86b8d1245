import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfileBuilder, postProfile } from '../src/client/profile.ts';
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
  return {
    next,
    normal: (mean: number, sd: number) =>
      mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

interface Row {
  id: string;
  timestamp: string;
  features: { age: number; region: string };
  prediction: number;
  score: number;
}

/** `n` prediction records in the day starting at `dayMs`; `shift` moves ages and skews regions. */
function records(prefix: string, dayMs: number, n: number, seed: number, shift = 0): Row[] {
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
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe.each(DB_KINDS)('production monitoring on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-monitoring-'));
    const t = useTestApp(kind, {
      teams: ['lending', 'other'],
      monitoring: { pollMs: 100, maxBatchBytes: 256 * 1024 },
      artifacts: { roots: [dir], hosts: [] },
      webhooks: { pollMs: 20, backoffBaseMs: 40, capMs: 200, maxAttempts: 3, timeoutMs: 2000 },
      // The receivers listen on 127.0.0.1, an internal address webhooks reach only when allowed.
      webhookAllowHosts: ['127.0.0.1'],
    });
    // A webhook receiver subscribed to alerts: the production team's pager, say.
    const received: { event: string; body: Record<string, any> }[] = [];
    let receiver: Server;
    afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
    const tok: Record<string, string> = {};
    const v1 = '/api/v1/models/pd/versions/1';
    let useCase = '';
    // Whole days, well in the past of the app's clock: R is the reference, S1 and S2 production days.
    const today = Math.floor(Date.now() / DAY) * DAY;
    const R = today - 10 * DAY;
    const S1 = today - 3 * DAY;
    const S2 = today - 2 * DAY;
    const S3 = today - DAY;

    const post = (url: string, body: string, type = 'application/x-ndjson', token = tok.ds) =>
      t.app
        .inject({
          method: 'POST',
          url,
          headers: { 'content-type': type, authorization: `Bearer ${token}` },
          payload: body,
        })
        .then((r) => ({ status: r.statusCode, headers: r.headers, body: r.json(), text: r.body }));
    const monitoring = async () => (await call(t.app, { method: 'GET', url: `${v1}/monitoring` })).body;
    /** Waits until the background jobs computed every window. */
    const settled = async (windows: number) => {
      for (let i = 0; i < 300; i++) {
        const m = await monitoring();
        if (m.items.length >= windows && m.items.every((w: { pending: boolean }) => !w.pending)) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `windows not computed: ${JSON.stringify((await monitoring()).items.map((w: { start: string; pending: boolean }) => [w.start, w.pending]))}`,
      );
    };
    const windowOf = (m: { items: { start: string }[] }, day: number) =>
      m.items.find((w) => w.start === new Date(day).toISOString()) as Record<string, any>;

    beforeAll(async () => {
      tok.ds = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      tok.prod = await seedUser(t.app, 'pete', [{ scope: 'lending', role: 'production' }]);
      tok.owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      tok.risk = await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
      tok.outsider = await seedUser(t.app, 'otto', [{ scope: 'other', role: 'data-scientist' }]);
      useCase = (
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
            url: `/api/v1/use-cases/${useCase}/assessment`,
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
            body: { name: 'pd', useCaseId: useCase },
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
          received.push({ event: String(req.headers['steward-event']), body: JSON.parse(body) });
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

    it('logs predictions idempotently by record id, with accepted, duplicate and rejected counts and reasons', async () => {
      const rows = records('ref', R, 600, 4);
      const batch = jsonl([
        ...rows,
        rows[0],
        { timestamp: rows[1]!.timestamp, features: {} },
        { id: 'bad-time', timestamp: 'yesterday', features: {} },
      ]);
      const first = await post(`${v1}/predictions`, batch);
      expect(first.status, first.text).toBe(200);
      expect(first.body).toMatchObject({ kind: 'predictions', accepted: 600, duplicates: 1, rejected: 2 });
      expect(
        first.body.reasons.map((r: { record: number; reason: string }) => [r.record, r.reason.split(' ')[0]]),
      ).toEqual([
        [602, 'id'],
        [603, 'timestamp'],
      ]);
      const again = await post(`${v1}/predictions`, batch);
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 601, rejected: 2 });
      // CSV with flat feature columns lands in the same log.
      const csv = `id,timestamp,age,region,prediction,score\ncsv-1,${new Date(R + 5000).toISOString()},41.5,EU,1,0.7\n`;
      expect((await post(`${v1}/predictions`, csv, 'text/csv')).body).toMatchObject({
        accepted: 1,
        duplicates: 0,
        rejected: 0,
      });
      // Out-of-range timestamps (a unit mistake) and text the databases cannot store are refused record by record.
      const odd = await post(
        `${v1}/predictions`,
        jsonl([
          { id: 'far-future', timestamp: '9e15', features: {} },
          { id: 'seconds', timestamp: -5, features: {} },
          { id: 'before-1970', timestamp: '1960-01-01T00:00:00Z', features: {} },
          { id: 'nul\u0000id', timestamp: R, features: {} },
          { id: 'nul-feature', timestamp: R, features: { region: 'E\u0000U' } },
          { id: 'fine', timestamp: R + 1, features: { region: 'EU', age: 30 } },
        ]),
      );
      expect(odd.body).toMatchObject({ accepted: 1, rejected: 5 });
      expect(odd.body.reasons.map((r: { reason: string }) => r.reason.split(' ')[0])).toEqual([
        'timestamp',
        'timestamp',
        'timestamp',
        'id',
        'values',
      ]);
      const batches = (await call(t.app, { method: 'GET', url: `${v1}/ingest-batches` })).body.items;
      expect(batches.map((b: { accepted: number }) => b.accepted)).toEqual([1, 1, 0, 600]);
    });

    it('refuses malformed, oversize, foreign and unauthorised batches without writing anything', async () => {
      const count = async () => (await call(t.app, { method: 'GET', url: `${v1}/ingest-batches` })).body.items.length;
      const before = await count();
      expectProblem(
        await post(`${v1}/predictions`, '{"id":"x","timestamp":"2026-01-01T00:00:00Z"}\n{not json\n'),
        400,
        'validation_failed',
      );
      expectProblem(await post(`${v1}/predictions`, '"just a string"\n'), 400, 'validation_failed');
      expectProblem(await post(`${v1}/predictions`, ''), 400, 'validation_failed');
      expectProblem(
        await post(`${v1}/predictions`, 'id,timestamp\n"unterminated,x\n', 'text/csv'),
        400,
        'validation_failed',
      );
      expectProblem(await post(`${v1}/predictions`, '{}', 'application/xml'), 415, 'unsupported_media_type');
      expectProblem(await post(`${v1}/predictions`, jsonl(records('big', S1, 3000, 9))), 413, 'payload_too_large');
      expectProblem(
        await post('/api/v1/models/pd/versions/9/predictions', jsonl(records('x', S1, 1, 1))),
        404,
        'not_found',
      );
      expectProblem(
        await post(`${v1}/predictions`, jsonl(records('x', S1, 1, 1)), 'application/x-ndjson', tok.outsider),
        403,
        'forbidden',
      );
      // A record without a label is rejected with its reason; the batch itself is recorded.
      expect((await post(`${v1}/labels`, '{"id":"ref-1"}\n')).body).toMatchObject({
        accepted: 0,
        rejected: 1,
        reasons: [{ record: 1, id: 'ref-1', reason: 'label is missing or not a single value' }],
      });
      expect(await count()).toBe(before + 1);
      // Nothing of the refused batches reached the log: the 'x-0' record was never stored.
      const labels = await post(`${v1}/labels`, jsonl([{ id: 'x-0', label: 1 }]));
      expect(labels.body).toMatchObject({ accepted: 0, rejected: 1 });
    });

    const config = (extra: Record<string, unknown> = {}) => ({
      monitors: ['input-drift', 'performance-decay', 'event-logging'],
      task: 'binary-classification',
      features: { age: 'numerical', region: 'categorical' },
      reference: { from: new Date(R).toISOString(), to: new Date(R + DAY).toISOString() },
      ...extra,
    });

    it('configures a monitor with a frozen reference, refusing configurations that cannot work', async () => {
      const put = (body: unknown, token = tok.ds) => call(t.app, { method: 'PUT', url: `${v1}/monitor`, token, body });
      const unknownMonitor = await put(config({ monitors: ['input-drift', 'crystal-ball'] }));
      expectProblem(unknownMonitor, 400, 'validation_failed');
      expect(unknownMonitor.body.detail).toContain("no monitor 'crystal-ball'");
      expectProblem(await put(config({ sensitive: ['income'] })), 400, 'validation_failed');
      expectProblem(
        await put(
          config({ reference: { from: new Date(R - 5 * DAY).toISOString(), to: new Date(R - 4 * DAY).toISOString() } }),
        ),
        400,
        'validation_failed',
      );
      expectProblem(await put(config({ features: { age: 'ordinal' } })), 400, 'validation_failed');
      expectProblem(await put(config(), tok.outsider), 403, 'forbidden');
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/pd/versions/7/monitor',
          token: tok.ds,
          body: config(),
        }),
        404,
        'not_found',
      );
      expectProblem(await call(t.app, { method: 'GET', url: `${v1}/monitor` }), 404, 'not_found');
      const monitor = await put(config());
      expect(monitor.status, monitor.text).toBe(200);
      expect(monitor.body.reference).toMatchObject({
        rows: 602,
        columns: { age: { type: 'numerical', n: 602, missing: 0 }, region: { type: 'categorical', n: 602 } },
      });
      expect(monitor.body.reference.columns.age.profileEdges).toHaveLength(9);
      expect((await call(t.app, { method: 'GET', url: `${v1}/monitor` })).body.id).toBe(monitor.body.id);
      // The configuration is evidence: it satisfies the pack's drift and performance monitoring measures.
      expect(
        (await call(t.app, { method: 'GET', url: `${v1}/evidence` })).body.items.map((e: { kind: string }) => e.kind),
      ).toContain('monitoring');
      const requirements = (await call(t.app, { method: 'GET', url: `${v1}/requirements` })).body.requirements;
      const status = (id: string) => requirements.find((r: { measure: string }) => r.measure === id)?.status;
      expect([status('monitor-drift'), status('monitor-performance')]).toEqual(['satisfied', 'satisfied']);
    });

    it('computes drift per window against the reference and raises a critical drift alert that makes approvals stale', async () => {
      const review = await call(t.app, {
        method: 'POST',
        url: `${v1}/signatures`,
        token: tok.risk,
        body: { role: 'risk-audit', meaning: 'review', comment: 'looked at it', password: PASSWORD('rita') },
      });
      expect(review.status, review.text).toBe(201);
      const logged = await post(
        `${v1}/predictions`,
        jsonl([...records('s1', S1, 300, 11), ...records('s2', S2, 300, 3, 15)]),
      );
      expect(logged.body).toMatchObject({ accepted: 600, rejected: 0 });
      const m = await settled(3);
      const calm = windowOf(m, S1);
      const drifted = windowOf(m, S2);
      expect(calm.rows).toBe(300);
      expect(calm.drift, JSON.stringify(calm.drift.decisions)).toMatchObject({ from: 'records', dataset_drift: false });
      expect(drifted.drift).toMatchObject({
        from: 'records',
        number_of_columns: 2,
        number_of_drifted_columns: 2,
        dataset_drift: true,
      });
      // The reference has 602 values: Evidently's rules pick KS for age and chi-square for region.
      expect(drifted.drift.columns.age.decision).toMatchObject({ stattest: 'ks', drift_detected: true });
      expect(drifted.drift.columns.region.decision).toMatchObject({ stattest: 'chisquare', drift_detected: true });
      expect(m.health).toBe('alerting');
      // Health shows on the model and in the inventory list.
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.health).toBe('alerting');
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/models?useCaseId=${useCase}` })).body.items.map(
          (x: { health: string }) => x.health,
        ),
      ).toEqual(['alerting']);
      const alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items;
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        rule: 'input-drift',
        metric: 'drift.dataset',
        severity: 'critical',
        state: 'open',
        value: 1,
        window: new Date(S2).toISOString(),
      });
      // The monitoring row of the RACI: production is accountable and responsible and gets the task.
      const inbox = (await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me', token: tok.prod })).body
        .items;
      expect(
        inbox.some((task: { title: string }) => task.title.startsWith('Alert (critical): Input drift on pd/1')),
      ).toBe(true);
      // The drift alert is evidence against the version: the review signed before it is stale now.
      const signature = (await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items.find(
        (x: { id: string }) => x.id === review.body.id,
      );
      expect(signature.status).toBe('stale');
      expect(signature.changes).toContainEqual(expect.objectContaining({ what: 'evidence', change: 'added' }));
    });

    it('computes performance once labels arrive, recomputing the window, and alerts on decay even when newer windows have no labels yet', async () => {
      // Ground truth for S1 arrives late (S2 is newer and unlabelled) and disagrees with 40% of
      // S1's predictions: accuracy 0.6 against 0.9 at evaluation.
      const truth = records('s1', S1, 300, 11).map((r, i) => ({
        id: r.id,
        label: i % 5 < 2 ? 1 - r.prediction : r.prediction,
      }));
      const sent = await post(`${v1}/labels`, jsonl([...truth, { id: 'never-logged', label: 1 }]));
      expect(sent.body).toMatchObject({
        accepted: 300,
        duplicates: 0,
        rejected: 1,
        reasons: [
          { record: 301, id: 'never-logged', reason: 'no prediction with this id was logged for this version' },
        ],
      });
      expect((await post(`${v1}/labels`, jsonl(truth))).body).toMatchObject({ accepted: 0, duplicates: 300 });
      // The same labels as CSV text are the same labels.
      const csv = `id,label\n${truth
        .slice(0, 20)
        .map((x) => `${x.id},${x.label}`)
        .join('\n')}\n`;
      expect((await post(`${v1}/labels`, csv, 'text/csv')).body).toMatchObject({ accepted: 0, duplicates: 20 });
      const m = await settled(3);
      const w = windowOf(m, S1);
      expect(w.labelled).toBe(300);
      expect(w.performance.metrics.accuracy).toBeCloseTo(0.6, 12);
      expect(windowOf(m, S2).labelled).toBe(0);
      const decay = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items.find(
        (a: { rule: string }) => a.rule === 'accuracy-decay',
      );
      expect(decay).toMatchObject({
        metric: 'performance.accuracy.decay',
        severity: 'critical',
        state: 'open',
        window: new Date(S1).toISOString(),
      });
      expect(decay.value).toBeCloseTo(0.3, 12);
    });

    it('acknowledges and resolves alerts with who and when, refusing repeats and outsiders', async () => {
      const [alert] = (
        await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })
      ).body.items.filter((a: { rule: string }) => a.rule === 'input-drift');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/acknowledge`,
          token: tok.outsider,
          body: {},
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge',
          token: tok.prod,
          body: {},
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/acknowledge`,
          token: tok.prod,
          body: { note: 1 },
        }),
        400,
        'validation_failed',
      );
      const ack = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/acknowledge`,
        token: tok.prod,
        body: { note: 'looking into the APAC campaign' },
      });
      expect(ack.body).toMatchObject({
        state: 'acknowledged',
        acknowledged: { by: expect.any(String) },
        note: 'looking into the APAC campaign',
      });
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/alerts/${alert.id}/acknowledge`, token: tok.prod, body: {} }),
        409,
        'conflict',
      );
      const resolved = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/resolve`,
        token: tok.prod,
        body: {},
      });
      expect(resolved.body).toMatchObject({ state: 'resolved', resolved: { by: expect.any(String) } });
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/alerts/${alert.id}/resolve`, token: tok.prod, body: {} }),
        409,
        'conflict',
      );
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/alerts?state=resolved&useCase=${useCase}` })).body.items.map(
          (a: { id: string }) => a.id,
        ),
      ).toContain(alert.id);
    });

    it('escalates an alert to an incident with its Art. 73 reporting deadline, then reports and closes it', async () => {
      const [alert] = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1&state=all' })).body
        .items;
      const awareAt = new Date(Date.now() - DAY).toISOString();
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'catastrophic' },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'serious', awareAt: new Date(Date.now() + DAY).toISOString() },
        }),
        400,
        'validation_failed',
      );
      const opened = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/incidents`,
        token: tok.prod,
        body: {
          title: 'Wrongful refusals',
          description: 'A refused applicant died waiting for care financing',
          severity: 'serious',
          category: 'death',
          awareAt,
        },
      });
      expect(opened.status, opened.text).toBe(201);
      expect(opened.body).toMatchObject({
        alertId: alert.id,
        category: 'death',
        reportDueAt: new Date(Date.parse(awareAt) + 10 * DAY).toISOString(),
        overdue: false,
        state: 'open',
      });
      const reported = await call(t.app, {
        method: 'POST',
        url: `/api/v1/incidents/${opened.body.id}/report`,
        token: tok.prod,
        body: { reference: 'MSA-2026-0042' },
      });
      expect(reported.body).toMatchObject({ state: 'reported', reported: { reference: 'MSA-2026-0042' } });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/incidents/${opened.body.id}/report`,
          token: tok.prod,
          body: {},
        }),
        409,
        'conflict',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `/api/v1/incidents/${opened.body.id}/close`,
            token: tok.prod,
            body: {},
          })
        ).body.state,
      ).toBe('closed');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/incidents/${opened.body.id}/close`,
          token: tok.prod,
          body: {},
        }),
        409,
        'conflict',
      );
      // Art. 73 covers high-risk systems only.
      const adhoc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('adhoc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${adhoc}/assessment`,
            body: { answers: adHocAnalysis },
          })
        ).status,
      ).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'minor', category: 'standard' },
        }),
        400,
        'validation_failed',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `/api/v1/use-cases/${adhoc}/incidents`,
            token: tok.prod,
            body: { title: 'Dashboard outage', severity: 'minor' },
          })
        ).body,
      ).toMatchObject({ category: null, reportDueAt: null });
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/incidents?useCase=${useCase}` })).body.items,
      ).toHaveLength(1);
    });

    it('records KPI values against their target, idempotently, and alerts while the latest misses it', async () => {
      const url = `/api/v1/use-cases/${useCase}/kpis/approval-rate/values`;
      const at = (d: number) => new Date(today - d * DAY).toISOString();
      const first = await call(t.app, {
        method: 'POST',
        url,
        token: tok.owner,
        body: {
          values: [
            { timestamp: at(3), value: 0.85 },
            { timestamp: at(2), value: 0.7 },
          ],
        },
      });
      expect(first.body).toMatchObject({ kind: 'kpi-values', accepted: 2, duplicates: 0, rejected: 0 });
      expect(
        (await call(t.app, { method: 'GET', url })).body.items.map((v: { meetsTarget: boolean }) => v.meetsTarget),
      ).toEqual([true, false]);
      const missed = (await call(t.app, { method: 'GET', url: `/api/v1/alerts?useCase=${useCase}` })).body.items.find(
        (a: { rule: string }) => a.rule === 'kpi-missed',
      );
      expect(missed).toMatchObject({ metric: 'kpi.approval-rate.missed', versionId: null, state: 'open' });
      const again = await call(t.app, {
        method: 'POST',
        url,
        token: tok.owner,
        body: {
          values: [
            { timestamp: at(3), value: 0.85 },
            { timestamp: at(2), value: 0.75 },
          ],
        },
      });
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 1, rejected: 1 });
      expect(again.body.reasons[0].reason).toContain('different value');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${useCase}/kpis/nps/values`,
          token: tok.owner,
          body: { values: [{ timestamp: at(1), value: 1 }] },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url,
          token: tok.owner,
          body: { values: [{ timestamp: at(1), value: 'high' }] },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.owner, body: { values: [] } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url,
          token: tok.outsider,
          body: { values: [{ timestamp: at(1), value: 1 }] },
        }),
        403,
        'forbidden',
      );
      await call(t.app, {
        method: 'POST',
        url,
        token: tok.owner,
        body: { values: [{ timestamp: at(1), value: 0.9 }] },
      });
      expect((await call(t.app, { method: 'GET', url: `/api/v1/alerts/${missed.id}` })).body).toMatchObject({
        state: 'resolved',
        resolved: { by: null },
      });
    });

    it('suspends a version by a signed human-oversight decision that the deployment check honours until lifted', async () => {
      const url = `${v1}/suspension`;
      const check = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=1&environment=production' })).body;
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.owner, body: { reason: 'drift', password: 'wrong' } }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url,
          token: tok.ds,
          body: { reason: 'drift', password: PASSWORD('dana') },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.owner, body: { password: PASSWORD('olga') } }),
        400,
        'validation_failed',
      );
      const suspended = await call(t.app, {
        method: 'POST',
        url,
        token: tok.owner,
        body: { reason: 'Refusals spiked in APAC', password: PASSWORD('olga') },
      });
      expect(suspended.status, suspended.text).toBe(201);
      expect(suspended.body).toMatchObject({
        active: true,
        suspended: {
          signature: {
            manifest: { decision: 'suspend', signer: { username: 'olga' } },
            serverSignature: expect.any(String),
          },
        },
      });
      expect(await check()).toMatchObject({
        allowed: false,
        reasons: expect.arrayContaining([expect.stringContaining('suspended by human oversight')]),
      });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url,
          token: tok.owner,
          body: { reason: 'again', password: PASSWORD('olga') },
        }),
        409,
        'conflict',
      );
      const lifted = await call(t.app, {
        method: 'POST',
        url: `${url}/lift`,
        token: tok.risk,
        body: { reason: 'Campaign excluded', password: PASSWORD('rita') },
      });
      expect(lifted.body).toMatchObject({ active: false, lifted: { signature: { manifest: { decision: 'lift' } } } });
      expect((await check()).reasons.some((r: string) => r.includes('suspended'))).toBe(false);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${url}/lift`,
          token: tok.risk,
          body: { reason: 'again', password: PASSWORD('rita') },
        }),
        409,
        'conflict',
      );
      expect((await call(t.app, { method: 'GET', url: `${v1}/suspensions` })).body.items).toHaveLength(1);
    });

    it('computes drift from mergeable producer profiles when only profiles arrive for a window', async () => {
      const edges = (await call(t.app, { method: 'GET', url: `${v1}/monitor` })).body.reference.columns.age
        .profileEdges;
      const rows = records('s3', S3, 400, 14);
      const half = (from: number, to: number) => {
        const b = createProfileBuilder(
          { age: { type: 'numerical', edges }, region: { type: 'categorical' } },
          { start: new Date(S3 + from * 3_600_000).toISOString(), end: new Date(S3 + to * 3_600_000).toISOString() },
        );
        for (const r of rows.slice(from * 16, to * 16 + (to === 24 ? 16 : 0))) b.add(r.features);
        return b.build();
      };
      const a = half(0, 12);
      const b = half(12, 24);
      // The client helper, over real HTTP.
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      expect(await postProfile({ url, token: tok.ds!, model: 'pd', version: 1, profile: a })).toMatchObject({
        kind: 'profile',
        accepted: a.count,
        duplicate: false,
      });
      await expect(postProfile({ url, token: tok.outsider!, model: 'pd', version: 1, profile: a })).rejects.toThrow(
        /403 forbidden/,
      );
      expect((await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: a })).body).toMatchObject(
        { accepted: 0, duplicate: true },
      );
      expect(
        (await call(t.app, { method: 'POST', url: `${v1}/profiles?key=half-2`, token: tok.ds, body: b })).body
          .duplicate,
      ).toBe(false);
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles?key=half-2`, token: tok.ds, body: a }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: { ...a, count: a.count + 1 } }),
        400,
        'validation_failed',
      );
      const shifted = structuredClone(a);
      const shiftedEdges = (shifted.features.age as { histogram: { edges: number[] } }).histogram.edges;
      shiftedEdges[0] = shiftedEdges[0]! - 1;
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: shifted }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: {
            ...a,
            features: {
              ...a.features,
              income: { type: 'categorical', count: a.count, missing: 0, categories: { x: a.count } },
            },
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: {
            ...a,
            features: {
              region: { type: 'numerical', count: a.count, missing: 0, histogram: { edges: [], counts: [a.count] } },
            },
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: { ...a, window: { start: new Date(S3).toISOString(), end: new Date(S3 + 2 * DAY).toISOString() } },
        }),
        400,
        'validation_failed',
      );
      const m = await settled(4);
      const w = windowOf(m, S3);
      expect(w.rows).toBe(a.count + b.count);
      expect(w.drift, JSON.stringify(w.drift.decisions)).toMatchObject({ from: 'profiles', dataset_drift: false });
      expect(w.drift.columns.age.decision.stattest).toBe('psi');
      expect(w.drift.columns.age.n_current).toBe(a.count + b.count);
    });

    it('publishes alerts to the event stream with whom the RACI says to inform, delivered to webhooks', async () => {
      for (let i = 0; i < 200 && !received.some((r) => r.event === 'alert.open'); i++)
        await new Promise((r) => setTimeout(r, 25));
      const delivered = received.find(
        (r) => r.event === 'alert.open' && r.body.event?.after?.alert?.rule === 'input-drift',
      );
      expect(delivered?.body.event.after.notify).toEqual(
        expect.arrayContaining([{ role: 'business-stakeholder', raci: 'I' }]),
      );
      expect(received.some((r) => r.event === 'alert.acknowledge')).toBe(true);
      expect(received.every((r) => r.event.startsWith('alert.') || r.event.startsWith('incident.'))).toBe(true);
      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=alert.open' })).body.items;
      const drift = events.find((e: { after: { alert: { rule: string } } }) => e.after.alert.rule === 'input-drift');
      expect(drift.after.notify).toEqual(
        expect.arrayContaining([
          { role: 'business-stakeholder', raci: 'I' },
          { role: 'business-analyst', raci: 'C' },
        ]),
      );
      expect(drift.after.tasks).toEqual([expect.objectContaining({ role: 'production', raci: 'A/R' })]);
    });

    it('freezes a reference from a registered dataset version, checking its digest, and ingests Parquet logs', async () => {
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/pd/versions',
            token: tok.ds,
            body: { artifactUri: 's3://m/2', artifactDigest: sha(2) },
          })
        ).status,
      ).toBe(201);
      const v2 = '/api/v1/models/pd/versions/2';
      const ref = records('train', R, 400, 21);
      const csv = `age,region,income\n${ref.map((r) => `${r.features.age},${r.features.region},${1000 + r.features.age}`).join('\n')}\n`;
      writeFileSync(join(dir, 'train.csv'), csv);
      const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets',
            body: {
              name: 'pd-train',
              ownerTeam: 'lending',
              legalRegion: 'EU',
              provenance: { method: 'training sample', source: 'core-banking', lawfulBasis: 'contract' },
              columns: [{ name: 'age' }, { name: 'region' }],
            },
          })
        ).status,
      ).toBe(201);
      const uri = pathToFileURL(join(dir, 'train.csv')).href;
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets/pd-train/versions',
            body: { rowCount: 400, digest: digestOf(csv), uri },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets/pd-train/versions',
            body: { rowCount: 400, digest: digestOf('other'), uri },
          })
        ).status,
      ).toBe(201);
      const stale = await call(t.app, {
        method: 'PUT',
        url: `${v2}/monitor`,
        token: tok.ds,
        body: config({ reference: { dataset: 'pd-train', version: 2 } }),
      });
      expectProblem(stale, 409, 'conflict');
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: `${v2}/monitor`,
          token: tok.ds,
          body: config({ reference: { dataset: 'pd-train', version: 9 } }),
        }),
        404,
        'not_found',
      );
      const monitor = await call(t.app, {
        method: 'PUT',
        url: `${v2}/monitor`,
        token: tok.ds,
        body: config({ reference: { dataset: 'pd-train', version: 1 }, windowSeconds: 6 * 3600 }),
      });
      expect(monitor.status, monitor.text).toBe(200);
      expect(monitor.body.reference).toMatchObject({
        source: { dataset: 'pd-train', version: 1, digest: digestOf(csv) },
        rows: 400,
      });
      const rows = records('pq', S1, 50, 22);
      const parquet = Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
            { name: 'timestamp', data: rows.map((r) => r.timestamp), type: 'STRING' },
            { name: 'age', data: rows.map((r) => r.features.age), type: 'DOUBLE' },
            { name: 'region', data: rows.map((r) => r.features.region), type: 'STRING' },
            { name: 'prediction', data: rows.map((r) => r.prediction), type: 'INT32' },
            { name: 'score', data: rows.map((r) => r.score), type: 'DOUBLE' },
          ],
        }),
      );
      const res = await t.app.inject({
        method: 'POST',
        url: `${v2}/predictions`,
        headers: { 'content-type': 'application/vnd.apache.parquet', authorization: `Bearer ${tok.ds}` },
        payload: parquet,
      });
      expect(res.json()).toMatchObject({ accepted: 50, rejected: 0 });
      const v2windows = async () => (await call(t.app, { method: 'GET', url: `${v2}/monitoring` })).body;
      for (let i = 0; i < 300 && (await v2windows()).items.some((w: { pending: boolean }) => w.pending); i++)
        await new Promise((r) => setTimeout(r, 50));
      const m = await v2windows();
      // Six-hour windows: the 50 records spread over a day fall into four.
      expect(m.windowSeconds).toBe(21_600);
      expect(m.items.map((w: { rows: number }) => w.rows).reduce((a: number, b: number) => a + b, 0)).toBe(50);
      expect(m.items.every((w: { drift: { from: string } }) => w.drift.from === 'records')).toBe(true);
    });

    it('reads windows larger than one page, records with equal timestamps included, exactly once each', async () => {
      const T = today - 5 * DAY;
      const rows = records('bulk', T, 5500, 31).map((r, i) => ({
        ...r,
        timestamp: new Date(T + (i % 10) * 1000).toISOString(),
      }));
      for (let i = 0; i < rows.length; i += 1500)
        expect((await post(`${v1}/predictions`, jsonl(rows.slice(i, i + 1500)))).body.rejected).toBe(0);
      const m = await settled(5);
      const w = windowOf(m, T);
      expect(w.rows).toBe(5500);
      expect(w.drift.columns.age.n_current).toBe(5500);
      expect(w.drift.columns.region.n_current).toBe(5500);
    });

    it('answers reads and actions on unknown or malformed targets with precise problems', async () => {
      const none = '00000000-0000-4000-8000-000000000000';
      for (const url of [
        '/api/v1/models/pd/versions/9/monitoring',
        '/api/v1/models/pd/versions/9/ingest-batches',
        '/api/v1/models/pd/versions/9/suspensions',
        '/api/v1/models/nope/versions/1/monitor',
        `/api/v1/incidents/${none}`,
        `/api/v1/alerts/${none}`,
        `/api/v1/use-cases/${useCase}/kpis/nps/values`,
        `/api/v1/use-cases/${none}/kpis/approval-rate/values`,
      ]) {
        expectProblem(await call(t.app, { method: 'GET', url }), 404, 'not_found');
      }
      for (const url of [
        `${v1}/monitoring?limit=0`,
        `${v1}/monitoring?from=yesterday`,
        `${v1}/ingest-batches?limit=9999`,
        '/api/v1/alerts?state=bogus',
        '/api/v1/alerts?useCase=not-a-uuid',
        '/api/v1/incidents?limit=0',
      ]) {
        expectProblem(await call(t.app, { method: 'GET', url }), 400, 'validation_failed');
      }
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/incidents/${none}/report`, token: tok.prod, body: {} }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/incidents/${none}/close`, token: tok.prod, body: {} }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${none}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'minor' },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions/9/suspension',
          token: tok.owner,
          body: { reason: 'x', password: PASSWORD('olga') },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions/9/profiles',
          token: tok.ds,
          body: {
            format: 'steward.profile/v1',
            window: { start: new Date(S3).toISOString(), end: new Date(S3 + 1000).toISOString() },
            count: 0,
            features: {},
          },
        }),
        404,
        'not_found',
      );
    });
  });
});
