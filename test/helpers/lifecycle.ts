import { beforeAll, expect } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from './app.ts';
import type { DbKind } from './db.ts';
import { creditScoring } from './policy.ts';

/** The people of the governed-lifecycle tests, by the part they play. */
export const NAMES: Record<string, string> = {
  ds: 'dana',
  owner: 'olga',
  risk1: 'rita',
  risk2: 'ravi',
  devrisk: 'dora',
  outsider: 'otto',
};
export const PASSWORD = (user: string) => `${NAMES[user]}-correct-horse-battery`;
export const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
/** The training data every version of these tests names: registered, held in the EU like the use cases. */
export const TRAINING = [{ dataset: 'credit-train', version: 1, role: 'training' }];

/**
 * A tier-4 credit use case of team `lending` with model `pd`: version 1 registered by dana, version 2
 * by dora (a data scientist who is also a validator), and people for every role. Read the fields
 * inside tests (they are set in beforeAll).
 */
export function useGovernedLifecycle(kind: DbKind, options: Parameters<typeof useTestApp>[1] = {}) {
  const t = useTestApp(kind, { teams: ['lending', 'other'], ...options });
  const tok: Record<string, string> = {};
  const v1 = '/api/v1/models/pd/versions/1';
  const as = (user: string) => tok[user]!;
  const sign = (user: string, body: Record<string, unknown>, url = v1) =>
    call(t.app, {
      method: 'POST',
      url: `${url}/signatures`,
      token: as(user),
      body: { password: PASSWORD(user), ...body },
    });
  const lifecycle = async (url = v1) => (await call(t.app, { method: 'GET', url: `${url}/lifecycle` })).body;

  beforeAll(async () => {
    tok.ds = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
    tok.owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
    tok.risk1 = await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
    tok.risk2 = await seedUser(t.app, 'ravi', [{ scope: 'lending', role: 'risk-audit' }]);
    tok.devrisk = await seedUser(t.app, 'dora', [
      { scope: 'lending', role: 'data-scientist' },
      { scope: 'lending', role: 'risk-audit' },
    ]);
    tok.outsider = await seedUser(t.app, 'otto', [{ scope: 'other', role: 'risk-audit' }]);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: {
            name: 'credit-train',
            ownerTeam: 'lending',
            legalRegion: 'EU',
            provenance: { method: 'loan book extract', source: 'core-banking', lawfulBasis: 'contract' },
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets/credit-train/versions',
          body: { rowCount: 1000, digest: sha(99) },
        })
      ).status,
    ).toBe(201);
    const uc = (
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
          url: `/api/v1/use-cases/${uc}/assessment`,
          body: { answers: creditScoring },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          token: as('ds'),
          body: { name: 'pd', useCaseId: uc },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions',
          token: as('ds'),
          body: { artifactUri: 's3://m/1', artifactDigest: sha(1), datasets: TRAINING },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions',
          token: as('devrisk'),
          body: { artifactUri: 's3://m/2', artifactDigest: sha(2), datasets: TRAINING },
        })
      ).status,
    ).toBe(201);
  });

  const doc = (kind: string, url = v1, token = as('ds')) =>
    call(t.app, {
      method: 'POST',
      url: `${url}/documents`,
      token,
      body: { kind, title: kind, content: `# ${kind}` },
    });
  const blockersOf = async (step: string, url = v1) =>
    (await lifecycle(url)).steps.find((s: { id: string }) => s.id === step).gate.blockers as {
      measure: string;
      signoff: boolean;
      detail: string[];
    }[];
  /** Accepts (or rejects) a document by an e-signature with meaning `review`. */
  const review = (user: string, id: string, body: Record<string, unknown> = {}, url = v1) =>
    call(t.app, {
      method: 'POST',
      url: `${url}/documents/${id}/review`,
      token: as(user),
      body: { decision: 'accepted', role: 'business-stakeholder', password: PASSWORD(user), ...body },
    });
  /** Accepts a document as the reviewer its measure names: risk1 where risk-audit accepts, else the owner. */
  const accept = async (id: string, url = v1) => {
    const d = (await lifecycle(url)).documents.find((x: { id: string }) => x.id === id);
    const risk = d.acceptance.some((a: { acceptedBy: string[] }) => a.acceptedBy.includes('risk-audit'));
    const res = await review(risk ? 'risk1' : 'owner', id, { role: risk ? 'risk-audit' : 'business-stakeholder' }, url);
    expect(res.status, res.text).toBe(201);
  };
  /** Records and has accepted a document for every missing document measure of a gate. */
  const documentGate = async (step: string, url = v1) => {
    for (const b of await blockersOf(step, url))
      for (const d of b.detail) {
        const m = /^a '([a-z0-9.-]+)' document/.exec(d);
        if (!m) continue;
        const posted = await doc(m[1]!, url);
        expect(posted.status).toBe(201);
        await accept(posted.body.id, url);
      }
  };
  /** Takes version 1 through its scoping gate (documents and the owner's approval) to ideation. */
  const reachIdeation = async () => {
    await documentGate('business-scoping');
    const approved = await sign('owner', { role: 'business-stakeholder', meaning: 'approve' });
    expect(approved.status, approved.text).toBe(201);
    const moved = await call(t.app, {
      method: 'POST',
      url: `${v1}/lifecycle/transitions`,
      token: as('ds'),
      body: { to: 'ideation' },
    });
    expect(moved.status, moved.text).toBe(200);
  };
  return { t, tok, v1, as, sign, lifecycle, doc, review, accept, blockersOf, documentGate, reachIdeation };
}
