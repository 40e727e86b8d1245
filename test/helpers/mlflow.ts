import { beforeAll, expect } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp, type TestApp } from './app.ts';
import type { DbKind } from './db.ts';
import { creditScoring } from './policy.ts';
import type { App } from '../../src/http/app-types.ts';

export const API = '/api/2.0/mlflow';
export const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

/** A request the way MLflow's Python client sends it: JSON bodies (also on DELETE), query strings on GET. */
export async function ml(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: Record<string, unknown> = {},
  auth: string | null = null,
  prefix = API,
) {
  const pairs: [string, string][] = Object.entries(body).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x): [string, string] => [k, String(x)]) : [[k, String(v)] as [string, string]],
  );
  const query = method === 'GET' ? `?${new URLSearchParams(pairs).toString()}` : '';
  const res = await app.inject({
    method,
    url: `${prefix}${path}${query}`,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    ...(method === 'GET' ? {} : { payload: JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {},
    type: String(res.headers['content-type']),
  };
}

export const expectError = (
  r: { status: number; body: Record<string, any> },
  status: number,
  code: string,
  message?: RegExp | string,
) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error_code).toBe(code);
  expect(typeof r.body.message).toBe('string');
  if (message) expect(r.body.message).toMatch(message);
};

export interface MlflowRegistry {
  t: TestApp;
  /** API tokens by role: `ds` (data scientist in ml and lending), `viewer` (viewer in ml). */
  bearer: Record<string, string>;
  /** The Authorization header of one of `bearer`'s users. */
  b: (who: string) => string;
  /** Id of the use case `credit` (owned by lending), risk-assessed: its models are governed. */
  governedUseCase: string;
}

/**
 * The registry the MLflow journeys run against: teams ml and lending, a data scientist (dana) and
 * a viewer (vera), the default use case `ml-platform` (ungoverned) and the governed use case `credit`.
 */
export function useMlflowRegistry(kind: DbKind): MlflowRegistry {
  const t = useTestApp(kind, { teams: ['ml', 'lending'], mlflow: { defaultUseCase: 'ml-platform' } });
  const bearer: Record<string, string> = {};
  const s: MlflowRegistry = { t, bearer, b: (who) => `Bearer ${bearer[who]}`, governedUseCase: '' };
  beforeAll(async () => {
    bearer.ds = await seedUser(t.app, 'dana', [
      { scope: 'ml', role: 'data-scientist' },
      { scope: 'lending', role: 'data-scientist' },
    ]);
    bearer.viewer = await seedUser(t.app, 'vera', [{ scope: 'ml', role: 'viewer' }]);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('ml-platform', { ownerTeam: 'ml' }),
        })
      ).status,
    ).toBe(201);
    s.governedUseCase = (
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
          url: `/api/v1/use-cases/${s.governedUseCase}/assessment`,
          body: { answers: creditScoring },
        })
      ).status,
    ).toBe(200);
  });
  return s;
}

/** Sends MLflow requests that must succeed (set-up, not what a test asserts). */
async function must(app: App, auth: string, steps: [method: 'POST' | 'PATCH' | 'DELETE', string, object][]) {
  for (const [method, path, body] of steps) {
    const r = await ml(app, method, path, body as Record<string, unknown>, auth);
    if (r.status !== 200) throw new Error(`${method} ${path} failed: ${JSON.stringify(r.body)}`);
  }
}

/** The registered model `churn` (team growth) as the registry journey creates it, without versions. */
export const seedChurn = (app: App, auth: string) =>
  must(app, auth, [
    [
      'POST',
      '/registered-models/create',
      { name: 'churn', description: 'Churn propensity', tags: [{ key: 'team', value: 'growth' }] },
    ],
  ]);

/**
 * `churn` as the registry journey leaves it: versions 1-4 (runs run-1..run-4, version 1 with a
 * digest), version 2 described, alias best on 3; 1 Archived, 2 Staging, 3 Production, 4 None.
 */
export async function seedChurnJourney(app: App, auth: string): Promise<void> {
  await seedChurn(app, auth);
  const move = (version: string, stage: string, archive: boolean) =>
    [
      'POST',
      '/model-versions/transition-stage',
      { name: 'churn', version, stage, archive_existing_versions: archive },
    ] as const;
  await must(app, auth, [
    [
      'POST',
      '/model-versions/create',
      {
        name: 'churn',
        source: 's3://models/churn/1',
        run_id: 'run-1',
        tags: [{ key: 'steward.artifact_digest', value: sha(1) }],
      },
    ],
    ...[2, 3, 4].map(
      (i) =>
        ['POST', '/model-versions/create', { name: 'churn', source: `s3://models/churn/${i}`, run_id: `run-${i}` }] as [
          'POST',
          string,
          object,
        ],
    ),
    ['PATCH', '/model-versions/update', { name: 'churn', version: '2', description: 'retrained' }],
    ['POST', '/model-versions/set-tag', { name: 'churn', version: '2', key: 'validated', value: 'yes' }],
    ['DELETE', '/model-versions/delete-tag', { name: 'churn', version: '2', key: 'validated' }],
    ['POST', '/registered-models/alias', { name: 'churn', alias: 'best', version: '3' }],
    [...move('1', 'staging', false)],
    [...move('2', 'Staging', true)],
    [...move('3', 'Production', false)],
  ]);
}
