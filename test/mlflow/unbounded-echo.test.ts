import { describe, expect, it } from 'vitest';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { API, useMlflowRegistry } from '../helpers/mlflow.ts';

// A refusal names what was wrong without echoing a request value of unbounded size.
const MAX_ANSWER = 2_000;

describe.each(DB_KINDS)('MLflow refusals of oversize values on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, b } = useMlflowRegistry(kind);
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    const long = 'x/'.repeat(50_000);

    const send = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: string) => {
      const res = await t.app.inject({
        method,
        url: `${API}${url}`,
        headers: { authorization: b('ds'), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(payload !== undefined ? { payload } : {}),
      });
      return { status: res.statusCode, body: res.body, json: JSON.parse(res.body) as Record<string, unknown> };
    };

    it('answers a 3,000-deep value with a short INVALID_PARAMETER_VALUE', async () => {
      expect((await send('POST', '/registered-models/create', '{"name":"deep"}')).status).toBe(200);
      for (const [method, url, payload] of [
        ['POST', '/registered-models/create', `{"name":${deep}}`],
        ['POST', '/registered-models/create', `{"name":"deep2","description":${deep}}`],
        ['POST', '/registered-models/create', `{"name":"deep2","tags":[{"key":${deep},"value":"v"}]}`],
        ['POST', '/model-versions/create', `{"name":"deep","source":${deep}}`],
        ['POST', '/registered-models/alias', `{"name":"deep","alias":${deep},"version":"1"}`],
        ['PATCH', '/model-versions/update', `{"name":"deep","version":${deep}}`],
        ['POST', '/model-versions/transition-stage', `{"name":"deep","version":"1","stage":${deep}}`],
        ['POST', '/registered-models/get-latest-versions', `{"name":"deep","stages":[${deep}]}`],
      ] as const) {
        const r = await send(method, url, payload);
        expect([r.status, r.json.error_code, url], r.body.slice(0, 300)).toEqual([400, 'INVALID_PARAMETER_VALUE', url]);
        expect(r.body.length, `${url}: ${r.body.slice(0, 300)}`).toBeLessThan(MAX_ANSWER);
        expect(r.body).not.toContain('[[[[');
      }
    });

    it('answers a 100,000-character value without echoing it', async () => {
      const q = encodeURIComponent(long.slice(0, 6_000));
      for (const [method, url, payload] of [
        ['POST', '/registered-models/create', JSON.stringify({ name: long })],
        ['POST', '/registered-models/rename', JSON.stringify({ name: 'a', new_name: long })],
        ['POST', '/registered-models/alias', JSON.stringify({ name: 'a', alias: long, version: '1' })],
        ['POST', '/model-versions/transition-stage', JSON.stringify({ name: 'a', version: long, stage: 'None' })],
        [
          'POST',
          '/model-versions/transition-stage',
          JSON.stringify({ name: 'a', version: '1', stage: long, archive_existing_versions: false }),
        ],
        [
          'POST',
          '/registered-models/create',
          JSON.stringify({ name: 'a', tags: [{ key: 'steward.use_case', value: long }] }),
        ],
        ['GET', `/registered-models/search?order_by=${q}`],
        ['GET', `/registered-models/search?max_results=${q}`],
        ['GET', `/model-versions/search?order_by=${q}`],
        ['GET', `/registered-models/get?name=${q}`],
      ] as const) {
        const r = await send(method, url, payload);
        expect(r.status, `${url}: ${r.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.body.length, `${url}: ${r.body.slice(0, 300)}`).toBeLessThan(MAX_ANSWER);
      }
    });
  });
});
