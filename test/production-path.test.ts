import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from './helpers/app.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';
import { creditScoring } from './helpers/policy.ts';

const DAY = 86_400_000;
const PASSWORD = (user: string) => `${user}-correct-horse-battery`;

// Who signs for each role: never the version's creator (dana), and two distinct validators.
const SIGNERS: Record<string, string[]> = {
  'business-stakeholder': ['olga'],
  'business-analyst': ['anna'],
  'data-scientist': ['dave'],
  'risk-audit': ['rita', 'ravi'],
  'data-ops': ['omar'],
  production: ['pete'],
};

interface Blocker { measure: string; signoff: boolean; detail: string[] }

describe.each(DB_KINDS)('a tier-4 model from scoping to production and back under monitoring, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'], monitoring: { pollMs: 100 } });
    const tok: Record<string, string> = {};
    let uc = '';
    const v = '/api/v1/models/scorecard/versions/1';
    const today = Math.floor(Date.now() / DAY) * DAY;
    const rows = (prefix: string, day: number, n: number, shift: number) =>
      Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${prefix}-${i}`, timestamp: new Date(day + i * 1000).toISOString(), features: { income: 30_000 + ((i * 7919) % 1000) * 50 + shift, segment: ['retail', 'sme', 'corporate'][(i * 31) % 3] }, prediction: i % 2, score: (i % 100) / 100 })).join('\n') + '\n';

    beforeAll(async () => {
      for (const [role, users] of Object.entries(SIGNERS)) for (const u of users) tok[u] = await seedUser(t.app, u, [{ scope: 'lending', role }]);
      tok.dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('scorecard', { ownerTeam: 'lending' }) })).body.id;
      expect((await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } })).body.tier).toBe(4);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/models', token: tok.dana, body: { name: 'scorecard', useCaseId: uc } })).status).toBe(201);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/models/scorecard/versions', token: tok.dana, body: { artifactUri: 's3://m/scorecard/1', artifactDigest: `sha256:${'1'.repeat(64)}` } })).status).toBe(201);
    });

    /** Meets every blocker of a gate the way its people would: documents, evaluations, the monitor, sign-offs. */
    async function satisfy(base: string, blockers: Blocker[], signatureUrl: string): Promise<void> {
      // Evidence first, sign-offs last: a signature covers the state it saw, so evidence added after it makes it stale.
      for (const b of [...blockers].sort((x, y) => Number(x.signoff) - Number(y.signoff))) {
        for (const d of b.detail) {
          const doc = /^a '([a-z0-9.-]+)' document$/.exec(d);
          if (doc) expect((await call(t.app, { method: 'POST', url: `${base}/documents`, token: base.includes('use-cases') ? tok.olga : tok.dana, body: { kind: doc[1], title: doc[1], content: `# ${doc[1]}` } })).status).toBe(201);
          if (/^check /.test(d)) await evaluate();
          if (/^monitor '/.test(d)) await configureMonitor();
          const signoff = /^(\d+) sign-off\(s\) by (.+?)(, independent)?$/.exec(d);
          if (signoff) {
            const roles = signoff[2]!.split(' or ');
            const role = roles.find((r) => SIGNERS[r]) ?? roles[0]!;
            for (const user of SIGNERS[role]!.slice(0, Number(signoff[1]))) {
              const signed = await call(t.app, { method: 'POST', url: signatureUrl, token: tok[user], body: { role, meaning: 'approve', comment: b.measure, password: PASSWORD(user) } });
              // 409: this person's approval of this very state already counts (one signature, several measures).
              expect([201, 409], `${b.measure} by ${user}: ${signed.text}`).toContain(signed.status);
            }
          }
        }
      }
    }

    let evaluated = false;
    async function evaluate(): Promise<void> {
      if (evaluated) return;
      evaluated = true;
      const csv = `y,yhat,sex\n${Array.from({ length: 200 }, (_, i) => `${i % 2},${i % 10 === 0 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;
      const res = await t.app.inject({ method: 'POST', url: `${v}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex`, headers: { 'content-type': 'text/csv', authorization: `Bearer ${tok.dana}` }, payload: csv });
      expect(res.statusCode, res.body).toBe(201);
    }

    let monitored = false;
    async function configureMonitor(): Promise<void> {
      if (monitored) return;
      monitored = true;
      // The reference is the version's own first day in shadow: log it, then freeze it.
      expect((await t.app.inject({ method: 'POST', url: `${v}/predictions`, headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` }, payload: rows('ref', today - 9 * DAY, 500, 0) })).json().accepted).toBe(500);
      const pack = (await call(t.app, { method: 'GET', url: `${v}/requirements` })).body;
      const monitors = new Set<string>();
      for (const r of pack.requirements as { status: string; unmet?: string[] }[]) for (const d of r.unmet ?? []) {
        const m = /^monitor '([a-z0-9.-]+)' configured$/.exec(d);
        if (m) monitors.add(m[1]!);
      }
      const res = await call(t.app, { method: 'PUT', url: `${v}/monitor`, token: tok.dana, body: { monitors: [...monitors], task: 'binary-classification', features: { income: 'numerical', segment: 'categorical' }, reference: { from: new Date(today - 9 * DAY).toISOString(), to: new Date(today - 8 * DAY).toISOString() } } });
      expect(res.status, res.text).toBe(200);
    }

    const lifecycle = async (url: string) => (await call(t.app, { method: 'GET', url: `${url}/lifecycle` })).body;
    const check = async () => (await call(t.app, { method: 'GET', url: '/api/v1/check?model=scorecard&version=1&environment=production' })).body;

    it('passes every gate of its process with documents, evaluation, monitor and independent sign-offs, and is released', async () => {
      const u = `/api/v1/use-cases/${uc}`;
      // The use case's own steps first (scoping and ideation are decided once for all its versions).
      for (let guard = 0; guard < 6; guard++) {
        const l = await lifecycle(u);
        const current = l.steps.find((s: { state: string }) => s.state === 'current');
        await satisfy(u, current.gate.blockers, `${u}/signatures`);
        const next = l.steps[l.steps.indexOf(current) + 1];
        if (!next) break;
        const moved = await call(t.app, { method: 'POST', url: `${u}/lifecycle/transitions`, token: tok.olga, body: { to: next.id } });
        if (moved.status !== 200) break;
      }
      // Then the version's, step by step.
      for (let guard = 0; guard < 10; guard++) {
        const l = await lifecycle(v);
        const at = l.process.steps.indexOf(l.step);
        await satisfy(v, (l.steps.find((s: { id: string }) => s.id === l.step).gate.blockers as Blocker[]), `${v}/signatures`);
        const next = l.process.steps[at + 1];
        if (!next || next === 'monitoring') break;
        const moved = await call(t.app, { method: 'POST', url: `${v}/lifecycle/transitions`, token: tok.dana, body: { to: next } });
        expect(moved.status, `${l.step} -> ${next}: ${moved.text}`).toBe(200);
      }
      const released = await call(t.app, { method: 'POST', url: `${v}/promotions`, token: tok.dana, body: { environment: 'production', reason: 'first release' } });
      expect(released.body, released.text).toMatchObject({ status: 'completed', reasons: [] });
      expect(await check()).toEqual({ allowed: true, reasons: [] });
    });

    it('loses its release when production drifts, and regains it when the validators sign the new state', async () => {
      const logged = await t.app.inject({ method: 'POST', url: `${v}/predictions`, headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` }, payload: rows('prod', today - DAY, 500, 40_000) });
      expect(logged.json().accepted).toBe(500);
      let alerts: { rule: string; severity: string }[] = [];
      for (let i = 0; i < 300 && alerts.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=scorecard&version=1' })).body.items;
      }
      expect(alerts).toEqual([expect.objectContaining({ rule: 'input-drift', severity: 'critical' })]);
      const refused = await check();
      expect(refused.allowed).toBe(false);
      // The acceptances went stale, so the gates they passed are open again.
      expect(refused.reasons.join('\n')).toMatch(/signoff-dual-acceptance/);
      // The re-review tasks name what changed: the drift alert, recorded as evidence.
      const tasks = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: tok.rita })).body.items.filter((x: { kind: string }) => x.kind === 're-review');
      expect(tasks.length).toBeGreaterThan(0);
      expect(tasks[0].details.changes).toContainEqual(expect.objectContaining({ what: 'evidence', change: 'added' }));
      // Everyone whose approval went stale reviews the drift and signs again.
      const stale = (await call(t.app, { method: 'GET', url: `${v}/signatures` })).body.items.filter((s: { status: string; meaning: string }) => s.status === 'stale' && s.meaning === 'approve');
      expect(stale.length).toBeGreaterThan(0);
      // The version record shows its signatures (printed name, date and time, meaning) and stays current after a new one.
      const record = async () => (await call(t.app, { method: 'GET', url: v })).body.signatures as { name: string; meaning: string; signedAt: string }[];
      const before = await record();
      expect(before).toContainEqual(expect.objectContaining({ name: 'User rita', meaning: 'approve', signedAt: expect.any(String) }));
      const people = new Map(stale.map((s: { signer: { username: string }; role: string }) => [`${s.signer.username}:${s.role}`, s]));
      for (const s of people.values() as Iterable<{ signer: { username: string }; role: string }>) {
        const again = await call(t.app, { method: 'POST', url: `${v}/signatures`, token: tok[s.signer.username], body: { role: s.role, meaning: 'approve', comment: 'drift reviewed: a new customer segment, accepted', password: PASSWORD(s.signer.username) } });
        expect(again.status, again.text).toBe(201);
      }
      expect(await check()).toEqual({ allowed: true, reasons: [] });
      expect((await record()).length).toBeGreaterThan(before.length);
    });
  });
});
