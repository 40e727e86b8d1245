import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, CLIENT_TYPES_FILE, generateApiTypes } from '../../web/scripts/api-types.ts';
import { call, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { adHocAnalysis, creditScoring } from '../helpers/policy.ts';

describe('the console API types', () => {
  it('are generated from the current OpenAPI document (run `npm run api-types` after changing a route schema)', async () => {
    const types = await generateApiTypes();
    expect(
      readFileSync(API_TYPES_FILE, 'utf8') === types,
      'web/src/api/schema.gen.ts is stale: npm run api-types',
    ).toBe(true);
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8') === types, 'src/client/api.gen.ts is stale: npm run api-types').toBe(
      true,
    );
  }, 60_000);
});

describe.each(DB_KINDS)('the inventory overview and the audit verification, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'growth'] });

    it('lists use cases without models and models with tier, step and latest promotion; filters, sorts and pages', async () => {
      const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      const credit = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('Credit scoring', { ownerTeam: 'lending' }),
        })
      ).body.id;
      const adhoc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('Ad-hoc churn look', { ownerTeam: 'growth' }),
        })
      ).body.id;
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('Unassessed idea', { ownerTeam: 'growth' }),
      });
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${credit}/assessment`,
            body: { answers: creditScoring },
          })
        ).body.tier,
      ).toBe(4);
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${adhoc}/assessment`,
            body: { answers: adHocAnalysis },
          })
        ).body.tier,
      ).toBe(1);
      for (const name of ['scorecard', 'scorecard-challenger']) {
        expect(
          (await call(t.app, { method: 'POST', url: '/api/v1/models', token: dana, body: { name, useCaseId: credit } }))
            .status,
        ).toBe(201);
      }
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorecard/versions',
        token: dana,
        body: { artifactUri: 's3://m/1', artifactDigest: `sha256:${'1'.repeat(64)}` },
      });
      const blocked = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorecard/versions/1/promotions',
        token: dana,
        body: { environment: 'production', reason: 'go', mode: 'single' },
      });
      expect(blocked.body.status).toBe('blocked');

      const all = (await call(t.app, { method: 'GET', url: '/api/v1/overview' })).body;
      expect(all.total).toBe(4);
      expect(
        all.items.map(
          (r: { useCase: { name: string }; model: { name: string } | null }) =>
            `${r.useCase.name}/${r.model?.name ?? '-'}`,
        ),
      ).toEqual([
        'Ad-hoc churn look/-',
        'Credit scoring/scorecard',
        'Credit scoring/scorecard-challenger',
        'Unassessed idea/-',
      ]);
      const scorecard = all.items[1];
      expect(scorecard).toMatchObject({
        tier: 4,
        euAiAct: 'high-risk',
        reviewOverdue: false,
        model: {
          name: 'scorecard',
          latestVersion: 1,
          productionVersion: null,
          promotion: { status: 'blocked', environment: 'production' },
          health: 'no-data',
          openAlerts: 0,
        },
      });
      expect(scorecard.model.step).toEqual(expect.any(String));
      expect(all.items[2].model).toMatchObject({ latestVersion: null, step: null, promotion: null });
      expect(all.items[3]).toMatchObject({ tier: null, euAiAct: null, model: null });

      const byTier = (await call(t.app, { method: 'GET', url: '/api/v1/overview?sort=tier&order=desc&limit=2' })).body;
      expect(byTier.items.map((r: { tier: number | null }) => r.tier)).toEqual([4, 4]);
      expect(byTier).toMatchObject({ total: 4, limit: 2, offset: 0 });
      const second = (
        await call(t.app, { method: 'GET', url: '/api/v1/overview?sort=tier&order=desc&limit=2&offset=2' })
      ).body;
      expect(second.items.map((r: { tier: number | null }) => r.tier)).toEqual([1, null]);
      // Every order read page by page (the later pages from the other end) is the whole listing.
      const key = (r: { useCase: { name: string }; model: { name: string } | null }) =>
        `${r.useCase.name}/${r.model?.name ?? '-'}`;
      for (const sort of ['name', 'tier', 'updated'])
        for (const order of ['asc', 'desc']) {
          const url = `/api/v1/overview?sort=${sort}&order=${order}`;
          const whole = (await call(t.app, { method: 'GET', url: `${url}&limit=200` })).body.items.map(key);
          expect(whole).toHaveLength(4);
          for (const limit of [1, 2, 3]) {
            const paged: string[] = [];
            for (let offset = 0; offset <= whole.length; offset += limit) {
              const page = (await call(t.app, { method: 'GET', url: `${url}&limit=${limit}&offset=${offset}` })).body;
              expect(page.total).toBe(4);
              paged.push(...page.items.map(key));
            }
            expect(paged, `${sort} ${order}, ${limit} a page`).toEqual(whole);
          }
          expect((await call(t.app, { method: 'GET', url: `${url}&offset=9` })).body.items).toEqual([]);
        }
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview?q=CHALLENGER' })).body.items).toHaveLength(1);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview?q=100%25' })).body.total).toBe(0);
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/overview?tier=1' })).body.items.map(
          (r: { useCase: { name: string } }) => r.useCase.name,
        ),
      ).toEqual(['Ad-hoc churn look']);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview?team=growth' })).body.total).toBe(2);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview?euAiAct=high-risk' })).body.total).toBe(2);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview?attention=true' })).body.total).toBe(0);
    });

    it('answers bad overview queries with 400 problems and unauthenticated ones with 401', async () => {
      for (const q of ['sort=owner', 'tier=5', 'limit=0', 'limit=201', 'offset=-1', 'attention=maybe', 'colour=red']) {
        const res = await call(t.app, { method: 'GET', url: `/api/v1/overview?${q}` });
        expect(res.status, q).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview', token: null })).status).toBe(401);
    });

    it('verifies the whole audit trail on request, for audit readers only', async () => {
      const res = await call(t.app, { method: 'POST', url: '/api/v1/audit/verification' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, problems: [] });
      expect(res.body.events).toBeGreaterThan(0);
      const viewer = await seedUser(t.app, 'vera', [{ scope: 'lending', role: 'viewer' }]);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/audit/verification', token: viewer })).status).toBe(
        403,
      );
    });
  });
});

describe.each(DB_KINDS)('raw data uploads over a real socket, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });

    // In-process injection hands the route a simple stream; a real socket's request is an object
    // graph with cycles, which the body check must not walk (it once overflowed the stack: 500).
    it('accepts evaluation data and prediction logs streamed by a real HTTP client', async () => {
      const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('uploads', { ownerTeam: 'lending' }),
        })
      ).body.id;
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        token: dana,
        body: { name: 'uploaded', useCaseId: uc },
      });
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/uploaded/versions',
        token: dana,
        body: { artifactUri: 's3://m/u/1', artifactDigest: `sha256:${'2'.repeat(64)}` },
      });
      const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const csv = `y,yhat,sex\n${Array.from({ length: 60 }, (_, i) => `${i % 2},${i % 5 === 0 ? 1 - (i % 2) : i % 2},${i % 3 ? 'F' : 'M'}`).join('\n')}\n`;
      const evaluation = await fetch(
        `${base}/api/v1/models/uploaded/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex`,
        { method: 'POST', headers: { authorization: `Bearer ${dana}`, 'content-type': 'text/csv' }, body: csv },
      );
      expect(evaluation.status, await evaluation.clone().text()).toBe(201);
      expect(((await evaluation.json()) as { metrics: Record<string, number> }).metrics.accuracy).toBeCloseTo(0.8, 5);
      const rows = Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({
          id: `p-${i}`,
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          features: { x: i },
          prediction: i % 2,
          score: 0.5,
        }),
      ).join('\n');
      const logged = await fetch(`${base}/api/v1/models/uploaded/versions/1/predictions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dana}`, 'content-type': 'application/x-ndjson' },
        body: `${rows}\n`,
      });
      expect(logged.status, await logged.clone().text()).toBeLessThan(300);
      expect(((await logged.json()) as { accepted: number }).accepted).toBe(5);
      // A JSON body with a NUL character is still refused before it reaches the database.
      const nul = await fetch(`${base}/api/v1/use-cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(useCaseBody('bad\u0000name', { ownerTeam: 'lending' })),
      });
      expect(nul.status).toBe(400);
    });
  });
});

describe.each(DB_KINDS)('the inventory overview sorted by tier and by last update, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock();
    const t = useTestApp(kind, { teams: ['lending', 'growth'], clock });

    it('places every tier by the counts of the same filter, merges models and use cases by update, and counts again after a write', async () => {
      const dana = await seedUser(t.app, 'dana', [
        { scope: 'lending', role: 'data-scientist' },
        { scope: 'growth', role: 'data-scientist' },
      ]);
      const cases: Record<string, string> = {};
      // Tiers 4, 1, 4 and none, with three, two, none and one model: pages cross every boundary. The
      // clock stands still within delta's models, and for alpha's and charlie's (a use case without
      // a model): the updates tie within one use case and across the two kinds of row. Names are in
      // lower case, so that their order is the same in every collation.
      const plan = [
        ['delta', creditScoring, 3, 'lending', 0],
        ['alpha', adHocAnalysis, 2, 'growth', 1000],
        ['charlie', creditScoring, 0, 'growth', 0],
        ['bravo', null, 1, 'lending', 1000],
      ] as const;
      for (const [name, answers, models, team, later] of plan) {
        clock.advance(later);
        const body = useCaseBody(name, { ownerTeam: team });
        cases[name] = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body })).body.id;
        if (answers)
          await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${cases[name]}/assessment`, body: { answers } });
        for (let k = 0; k < models; k++)
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: dana,
            body: { name: `${name.toLowerCase()}-${k}`, useCaseId: cases[name] },
          });
      }
      type Row = { useCase: { name: string }; model: { name: string } | null; tier: number | null; updatedAt: string };
      const read = async (query: string) =>
        (await call(t.app, { method: 'GET', url: `/api/v1/overview?${query}` })).body;
      const key = (r: Row) => `${r.useCase.name}/${r.model?.name ?? '-'}`;
      // Each order is the name order (reversed, descending) sorted (stably) by tier, a use case
      // without one as tier 0, or by last update. Read a page at a time, searches are counted as they
      // are found, and a page past the end is counted apart.
      const expected = async (filter: string, sort: 'name' | 'tier' | 'updated', order: 'asc' | 'desc') => {
        const byName: Row[] = (await read(`limit=200${filter}`)).items;
        if (sort === 'name') return (order === 'asc' ? byName : [...byName].reverse()).map(key);
        if (sort === 'tier') {
          const tier = (r: Row) => r.tier ?? 0;
          return [...byName].sort((x, y) => (order === 'asc' ? tier(x) - tier(y) : tier(y) - tier(x))).map(key);
        }
        // By update, then the row's name (the model's, or the use case's without one), then use cases
        // before models, all in the asked direction.
        const rank = (r: Row) => [Date.parse(r.updatedAt), r.model?.name ?? r.useCase.name, r.model ? 1 : 0] as const;
        const ascending = [...byName].sort((x, y) => {
          const [a, b] = [rank(x), rank(y)];
          return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2];
        });
        return (order === 'asc' ? ascending : ascending.reverse()).map(key);
      };
      const check = async (filter: string, total: number) => {
        for (const sort of ['name', 'tier', 'updated'] as const)
          for (const order of ['asc', 'desc'] as const) {
            const whole = await expected(filter, sort, order);
            expect(whole, filter).toHaveLength(total);
            for (const limit of [1, 2, 4]) {
              const paged: string[] = [];
              for (let offset = 0; offset < total + limit; offset += limit) {
                const page = await read(`sort=${sort}&order=${order}&limit=${limit}&offset=${offset}${filter}`);
                expect(page.total, `${sort} ${filter} ${order} ${limit}@${offset}`).toBe(total);
                paged.push(...page.items.map(key));
              }
              expect(paged, `${sort} ${filter} ${order}, ${limit} a page`).toEqual(whole);
            }
          }
      };
      await check('', 7);
      expect(await expected('', 'updated', 'desc')).toEqual([
        'bravo/bravo-0',
        'charlie/-',
        'alpha/alpha-1',
        'alpha/alpha-0',
        'delta/delta-2',
        'delta/delta-1',
        'delta/delta-0',
      ]);
      expect(await expected('', 'tier', 'desc')).toEqual([
        'charlie/-',
        'delta/delta-0',
        'delta/delta-1',
        'delta/delta-2',
        'alpha/alpha-0',
        'alpha/alpha-1',
        'bravo/bravo-0',
      ]);
      await check('&team=growth', 3);
      // Every row of this team has a model: sorted by update, only the models are read.
      await check('&team=lending', 4);
      await check('&q=a-', 5);
      // Read first after a write (nothing kept), a search's page and a page past its end are counted.
      for (const [i, first] of ['limit=2', 'offset=50'].entries()) {
        expect((await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name: `risk-${i}` } })).status).toBe(
          201,
        );
        expect((await read(`q=a-&${first}`)).total, first).toBe(5);
      }
      await check('&tier=4', 4);

      // A model added and a use case assessed again move the counts and the tiers' places at once.
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        token: dana,
        body: { name: 'alpha-2', useCaseId: cases.alpha },
      });
      expect((await read('sort=tier&limit=1')).total).toBe(8);
      expect((await read('limit=1')).total).toBe(8);
      await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${cases.delta}/assessment`,
        body: { answers: adHocAnalysis },
      });
      await check('', 8);
      expect((await read('sort=tier&order=desc&limit=1')).items.map(key)).toEqual(['charlie/-']);
      expect((await read('sort=tier&order=desc&limit=3&offset=1')).items.map(key)).toEqual([
        'alpha/alpha-0',
        'alpha/alpha-1',
        'alpha/alpha-2',
      ]);
      expect((await read('tier=4')).total).toBe(1);
    });
  });
});
