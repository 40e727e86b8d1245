import { describe, expect, it } from 'vitest';
import { call, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

type Row = { useCase: { name: string }; model: { name: string } | null };

// On SQLite a text search is narrowed through trigram indexes of the models' text and the use cases'
// names, which keep every text a model or use case ever had (they are never pruned). Whatever it holds, the search must select exactly the rows
// whose current text matches: here computed from the data itself and compared on both engines.
describe.each(DB_KINDS)('the inventory text search, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });

    it('selects exactly the rows whose current names and descriptions match, however they changed', async () => {
      const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      const useCases = ['fraud screening', 'retention desk', 'pricing lab', 'empty shelf'];
      const ids: Record<string, string> = {};
      for (const name of useCases) ids[name] = await seedUseCase(t.app, name, { ownerTeam: 'lending' });
      // What the search should see: each live model's use case, name and description, kept up to date.
      const live = new Map<string, { useCase: string; description: string }>();
      const create = async (name: string, useCase: string, description: string) => {
        await seedModel(t.app, name, ids[useCase]!, { description });
        live.set(name, { useCase, description });
      };
      await create('card-screen', 'fraud screening', 'Scores card payments');
      await create('wire_check', 'fraud screening', 'Wire transfers, 100% of them');
      await create('churn-v2', 'retention desk', 'Predicts churn of savings customers');
      await create('uplift', 'retention desk', 'Who answers a retention offer');
      await create('elasticity', 'pricing lab', 'Demand curve per product');
      await create('old-elastic', 'pricing lab', 'Superseded demand curve');
      const patch = async (name: string, body: { name?: string; description?: string }) => {
        const res = await call(t.app, { method: 'PATCH', url: `/api/v1/models/${name}`, token: dana, body });
        expect(res.status, name).toBe(200);
        const was = live.get(name)!;
        live.delete(name);
        live.set(body.name ?? name, { ...was, description: body.description ?? was.description });
      };
      // A description that no longer says "churn", one that now does, and a renamed model: the index
      // still holds their old texts.
      await patch('churn-v2', { description: 'Predicts attrition of savings customers' });
      await patch('uplift', { description: 'Who answers a churn offer' });
      await patch('elasticity', { name: 'price-response' });
      const removed = await call(t.app, {
        method: 'DELETE',
        url: '/api/2.0/mlflow/registered-models/delete',
        token: dana,
        body: { name: 'old-elastic' },
      });
      expect(removed.status).toBe(200);
      live.delete('old-elastic');
      // Renamed use cases: the index still holds their old names.
      const names: Record<string, string> = Object.fromEntries(useCases.map((u) => [u, u]));
      for (const [was, now] of [
        ['pricing lab', 'price studio'],
        ['empty shelf', 'bare rack'],
      ] as const) {
        const res = await call(t.app, { method: 'PATCH', url: `/api/v1/use-cases/${ids[was]}`, body: { name: now } });
        expect(res.status, was).toBe(200);
        names[was] = now;
      }

      const expected = (q: string) => {
        const text = q.toLowerCase();
        const rows: string[] = [];
        for (const uc of useCases) {
          const models = [...live].filter(([, m]) => m.useCase === uc).map(([name, m]) => ({ name, ...m }));
          const whole = names[uc]!.includes(text);
          if (models.length === 0 && whole) rows.push(`${names[uc]}/-`);
          for (const m of models)
            if (whole || `${m.name}\n${m.description}`.toLowerCase().includes(text))
              rows.push(`${names[uc]}/${m.name}`);
        }
        return rows.sort();
      };
      const key = (r: Row) => `${r.useCase.name}/${r.model?.name ?? '-'}`;
      const queries = [
        'churn', // in one model's name, and now in another's description
        'predicts churn', // only in a description as it was
        'attrition',
        'elasticity', // an old name only
        'price-resp',
        'elastic', // a deleted model's text
        'SCREEN', // a use case's name and a model's name, in another case
        'wire_', // '_' and '%' are literal characters, not wildcards
        'e_c',
        '100%',
        '0%',
        'shelf', // a use case without models, by its old name only
        'bare r', // by its new one
        'pricing', // a use case's old name
        'studio', // its new one
        'de', // too short for trigrams
        'curve per',
        'nothing like this',
      ];
      const overview = async (query: string, q: string) =>
        (await call(t.app, { method: 'GET', url: `/api/v1/overview?${query}&q=${encodeURIComponent(q)}` })).body;
      for (const q of queries) {
        const want = expected(q);
        for (const sort of ['name', 'tier', 'updated']) {
          const page = await overview(`limit=200&sort=${sort}`, q);
          expect(page.total, `${q} by ${sort}`).toBe(want.length);
          expect(page.items.map(key).sort(), `${q} by ${sort}`).toEqual(want);
        }
        // Paged one row at a time, by name, the search gives the same rows in the same name order.
        const byName = (await overview('limit=200', q)).items.map(key);
        const paged: string[] = [];
        for (let offset = 0; offset < want.length + 1; offset++) {
          const page = await overview(`limit=1&offset=${offset}`, q);
          expect(page.total, `${q} at ${offset}`).toBe(want.length);
          paged.push(...page.items.map(key));
        }
        expect(paged, q).toEqual(byName);
      }
      // Sanity: the cases above are not vacuous.
      expect(expected('churn')).toEqual(['retention desk/churn-v2', 'retention desk/uplift']);
      expect(expected('predicts churn')).toEqual([]);
      expect(expected('elastic')).toEqual([]);
      expect(expected('screen')).toEqual(['fraud screening/card-screen', 'fraud screening/wire_check']);
      expect(expected('e_c')).toEqual(['fraud screening/wire_check']);
      expect(expected('pricing')).toEqual([]);
      expect(expected('studio')).toEqual(['price studio/price-response']);
      expect(expected('bare r')).toEqual(['bare rack/-']);
    });
  });
});
