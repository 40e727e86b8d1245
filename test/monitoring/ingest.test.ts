import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { jsonl, PASSWORD, records, useMonitoredVersion } from '../helpers/monitoring.ts';

describe.each(DB_KINDS)('production monitoring: ingestion on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok, v1, R, S1, S3, post } = m;
    let useCase = '';
    beforeAll(async () => {
      useCase = m.useCase;
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
