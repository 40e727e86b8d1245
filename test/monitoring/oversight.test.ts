import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { DAY, PASSWORD, records, sha, useMonitoredVersion } from '../helpers/monitoring.ts';

describe.each(DB_KINDS)('production monitoring: KPIs, oversight and dataset references on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok, v1, dir, today, R, S1, config } = m;
    let useCase = '';
    beforeAll(async () => {
      useCase = m.useCase;
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
      // Asked before the dialog takes a password, and the decision then answers as it said.
      const eligible = async (token: string) =>
        (await call(t.app, { method: 'GET', url: `${url}/eligibility`, token })).body;
      expect(await eligible(tok.ds!)).toEqual({
        allowed: false,
        code: 'forbidden',
        reason:
          "Needs the role business-stakeholder or risk-audit or production or admin in team 'lending' (or organisation-wide); you hold data-scientist there.",
      });
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
      expect(await eligible(tok.owner!)).toEqual({ allowed: true, code: null, reason: null });
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/99/suspension/eligibility' }),
        404,
        'not_found',
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
  });
});
