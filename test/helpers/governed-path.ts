import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/http/app-types.ts';
import { call, seedUser, useCaseBody } from './app.ts';
import { multipart } from './multipart.ts';
import { linearOnnxModel } from './onnx-model.ts';
import { creditScoring } from './policy.ts';

/** The scorecard's artefact: a logistic model over income and debt, run for its robustness evidence. */
export const SCORECARD_MODEL = Buffer.from(linearOnnxModel({ weights: [1.4, -0.9], bias: 0.1, kind: 'logistic' }));
const SCORECARD_DIGEST = `sha256:${createHash('sha256').update(SCORECARD_MODEL).digest('hex')}`;

export const DAY = 86_400_000;
export const PASSWORD = (user: string) => `${user}-correct-horse-battery`;

/** Who signs for each role: never the version's creator (dana), and two distinct validators. */
export const SIGNERS: Record<string, string[]> = {
  'business-stakeholder': ['olga'],
  'business-analyst': ['anna'],
  'data-scientist': ['dave'],
  'risk-audit': ['rita', 'ravi'],
  'data-ops': ['omar'],
  production: ['pete'],
};

interface Blocker {
  measure: string;
  signoff: boolean;
  detail: string[];
}

/**
 * A tier-4 credit-scoring model (`scorecard` v1, team `lending`) taken through its process the
 * way its people would: documents, an evaluation, a robustness run of its ONNX artefact, the
 * monitor, and independent sign-offs. `skip`
 * leaves chosen sign-offs to the caller (a browser, say).
 */
export function governedPath(app: () => App, opts: { skip?: (user: string, step: string) => boolean } = {}) {
  const tok: Record<string, string> = {};
  const v = '/api/v1/models/scorecard/versions/1';
  const today = Math.floor(Date.now() / DAY) * DAY;
  let uc = '';
  let evaluated = false;
  let robust = false;
  let monitored = false;
  const rows = (prefix: string, day: number, n: number, shift: number) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        id: `${prefix}-${i}`,
        timestamp: new Date(day + i * 1000).toISOString(),
        features: {
          income: 30_000 + ((i * 7919) % 1000) * 50 + shift,
          segment: ['retail', 'sme', 'corporate'][(i * 31) % 3],
        },
        prediction: i % 2,
        score: (i % 100) / 100,
      }),
    ).join('\n') + '\n';

  async function evaluate(): Promise<void> {
    if (evaluated) return;
    evaluated = true;
    const csv = `y,yhat,sex\n${Array.from({ length: 200 }, (_, i) => `${i % 2},${i % 10 === 0 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;
    const res = await app().inject({
      method: 'POST',
      url: `${v}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex`,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${tok.dana}` },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  /** A robustness run of the artefact on labelled rows: the label follows the model but for every eleventh row. */
  async function robustness(): Promise<void> {
    if (robust) return;
    robust = true;
    const lines = ['income,debt,y,sex'];
    for (let i = 0; i < 400; i++) {
      const income = ((i * 37) % 100) / 25 - 2;
      const debt = ((i * 53) % 100) / 25 - 2;
      const y = 1.4 * income - 0.9 * debt + 0.1 > 0 !== (i % 11 === 0) ? 1 : 0;
      lines.push(`${income},${debt},${y},${i % 4 < 2 ? 'F' : 'M'}`);
    }
    const body = multipart([
      { name: 'model', filename: 'scorecard.onnx', content: SCORECARD_MODEL },
      { name: 'data', filename: 'holdout.csv', type: 'text/csv', content: `${lines.join('\n')}\n` },
    ]);
    const res = await app().inject({
      method: 'POST',
      url: `${v}/robustness?task=binary-classification&label=y&sensitive=sex&features=income,debt&noise=0.1,0.5`,
      headers: { 'content-type': body.type, authorization: `Bearer ${tok.dana}` },
      payload: body.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  async function configureMonitor(): Promise<void> {
    if (monitored) return;
    monitored = true;
    // The reference is the version's own first day in shadow: log it, then freeze it.
    expect(
      (
        await app().inject({
          method: 'POST',
          url: `${v}/predictions`,
          headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` },
          payload: rows('ref', today - 9 * DAY, 500, 0),
        })
      ).json().accepted,
    ).toBe(500);
    // Monitoring evidence is computed, not declared: a recent day in shadow logs the events that
    // event-logging measures count (within their last windows).
    expect(
      (
        await app().inject({
          method: 'POST',
          url: `${v}/predictions`,
          headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` },
          payload: rows('shadow', today - 2 * DAY, 200, 0),
        })
      ).json().accepted,
    ).toBe(200);
    const pack = (await call(app(), { method: 'GET', url: `${v}/requirements` })).body;
    const monitors = new Set<string>();
    for (const r of pack.requirements as { status: string; unmet?: string[] }[])
      for (const d of r.unmet ?? []) {
        const m = /^monitor '([a-z0-9.-]+)' computed/.exec(d);
        if (m) monitors.add(m[1]!);
      }
    const res = await call(app(), {
      method: 'PUT',
      url: `${v}/monitor`,
      token: tok.dana,
      body: {
        monitors: [...monitors],
        task: 'binary-classification',
        features: { income: 'numerical', segment: 'categorical' },
        reference: { from: new Date(today - 9 * DAY).toISOString(), to: new Date(today - 8 * DAY).toISOString() },
      },
    });
    expect(res.status, res.text).toBe(200);
  }

  /** Meets every blocker of a gate: evidence first, sign-offs last (a signature covers the state it saw). */
  async function satisfy(base: string, step: string, blockers: Blocker[], signatureUrl: string): Promise<void> {
    for (const b of [...blockers].sort((x, y) => Number(x.signoff) - Number(y.signoff))) {
      for (const d of b.detail) {
        const doc = /^a '([a-z0-9.-]+)' document/.exec(d);
        if (doc) {
          const posted = await call(app(), {
            method: 'POST',
            url: `${base}/documents`,
            token: base.includes('use-cases') ? tok.olga : tok.dana,
            body: { kind: doc[1], title: doc[1], content: `# ${doc[1]}` },
          });
          expect(posted.status).toBe(201);
          await accept(base, posted.body.id);
        }
        if (/^check robustness\./.test(d)) await robustness();
        else if (/^check /.test(d)) await evaluate();
        if (/^monitor '/.test(d)) await configureMonitor();
        const signoff = /^(\d+) sign-off\(s\) by (.+?)(, independent)?$/.exec(d);
        if (signoff) {
          const roles = signoff[2]!.split(' or ');
          const role = roles.find((r) => SIGNERS[r]) ?? roles[0]!;
          for (const user of SIGNERS[role]!.slice(0, Number(signoff[1]))) {
            if (opts.skip?.(user, step)) continue;
            const signed = await call(app(), {
              method: 'POST',
              url: signatureUrl,
              token: tok[user],
              body: { role, meaning: 'approve', comment: b.measure, password: PASSWORD(user) },
            });
            // 409: this person's approval of this very state already counts (one signature, several measures).
            expect([201, 409], `${b.measure} by ${user}: ${signed.text}`).toContain(signed.status);
          }
        }
      }
    }
  }

  const lifecycle = async (url: string) => (await call(app(), { method: 'GET', url: `${url}/lifecycle` })).body;

  /** A document is accepted by the reviewer its measure names: a validator (independent) or the owner's team. */
  async function accept(base: string, id: string): Promise<void> {
    const d = (await lifecycle(base)).documents.find((x: { id: string }) => x.id === id);
    const risk = d.acceptance.some((a: { acceptedBy: string[] }) => a.acceptedBy.includes('risk-audit'));
    // Use-case documents are written by the owner, so the business analyst of the team accepts them.
    const [user, role] = risk
      ? ['rita', 'risk-audit']
      : base.includes('use-cases')
        ? ['anna', 'business-analyst']
        : ['olga', 'business-stakeholder'];
    const res = await call(app(), {
      method: 'POST',
      url: `${base}/documents/${id}/review`,
      token: tok[user],
      body: { decision: 'accepted', role, comment: 'reviewed', password: PASSWORD(user!) },
    });
    expect(res.status, res.text).toBe(201);
  }

  return {
    tok,
    v,
    today,
    rows,
    get useCaseId() {
      return uc;
    },
    check: async () =>
      (await call(app(), { method: 'GET', url: '/api/v1/check?model=scorecard&version=1&environment=production' }))
        .body,

    /** Users, the tier-4 use case, its model and version 1. */
    async seed(): Promise<void> {
      for (const [role, users] of Object.entries(SIGNERS))
        for (const u of users) tok[u] = await seedUser(app(), u, [{ scope: 'lending', role }]);
      tok.dana = await seedUser(app(), 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      uc = (
        await call(app(), {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('scorecard', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(app(), {
            method: 'PUT',
            url: `/api/v1/use-cases/${uc}/assessment`,
            body: { answers: creditScoring },
          })
        ).body.tier,
      ).toBe(4);
      expect(
        (
          await call(app(), {
            method: 'POST',
            url: '/api/v1/models',
            token: tok.dana,
            body: { name: 'scorecard', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      // The training data is registered, held in the EU like the use case (data residency under GDPR).
      expect(
        (
          await call(app(), {
            method: 'POST',
            url: '/api/v1/datasets',
            body: {
              name: 'scorecard-train',
              ownerTeam: 'lending',
              legalRegion: 'EU',
              provenance: { method: 'loan book extract', source: 'core-banking', lawfulBasis: 'contract' },
            },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(app(), {
            method: 'POST',
            url: '/api/v1/datasets/scorecard-train/versions',
            body: { rowCount: 1000, digest: `sha256:${'d'.repeat(64)}` },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(app(), {
            method: 'POST',
            url: '/api/v1/models/scorecard/versions',
            token: tok.dana,
            body: {
              artifactUri: 's3://m/scorecard/1',
              artifactDigest: SCORECARD_DIGEST,
              datasets: [{ dataset: 'scorecard-train', version: 1, role: 'training' }],
            },
          })
        ).status,
      ).toBe(201);
    },

    /** The use case's own steps, then the version's up to its last gate before monitoring. */
    async drive(): Promise<void> {
      const u = `/api/v1/use-cases/${uc}`;
      for (let guard = 0; guard < 6; guard++) {
        const l = await lifecycle(u);
        const current = l.steps.find((s: { state: string }) => s.state === 'current');
        await satisfy(u, current.id, current.gate.blockers, `${u}/signatures`);
        const next = l.steps[l.steps.indexOf(current) + 1];
        if (!next) break;
        const moved = await call(app(), {
          method: 'POST',
          url: `${u}/lifecycle/transitions`,
          token: tok.olga,
          body: { to: next.id },
        });
        if (moved.status !== 200) break;
      }
      for (let guard = 0; guard < 10; guard++) {
        const l = await lifecycle(v);
        const at = l.process.steps.indexOf(l.step);
        await satisfy(
          v,
          l.step,
          l.steps.find((s: { id: string }) => s.id === l.step).gate.blockers as Blocker[],
          `${v}/signatures`,
        );
        const next = l.process.steps[at + 1];
        if (!next || next === 'monitoring') break;
        const moved = await call(app(), {
          method: 'POST',
          url: `${v}/lifecycle/transitions`,
          token: tok.dana,
          body: { to: next },
        });
        expect(moved.status, `${l.step} -> ${next}: ${moved.text}`).toBe(200);
      }
    },

    /** A day of production predictions whose income has shifted: the monitor sees drift. */
    async drift(): Promise<{ rule: string; severity: string }[]> {
      const logged = await app().inject({
        method: 'POST',
        url: `${v}/predictions`,
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` },
        payload: rows('prod', today - DAY, 500, 40_000),
      });
      expect(logged.json().accepted).toBe(500);
      let alerts: { rule: string; severity: string }[] = [];
      for (let i = 0; i < 300 && alerts.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        alerts = (await call(app(), { method: 'GET', url: '/api/v1/alerts?model=scorecard&version=1' })).body.items;
      }
      return alerts;
    },
  };
}
