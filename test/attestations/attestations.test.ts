import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { NAMES, useGovernedLifecycle } from '../helpers/lifecycle.ts';

const START = Date.parse('2030-03-01T09:00:00Z');

describe.each(DB_KINDS)('attestation campaigns on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(START);
    const { t } = useGovernedLifecycle(kind, { clock });
    beforeAll(async () => {
      // An owner of the use case who is also a validator: never independent of the owners.
      await seedUser(t.app, 'bella', [
        { scope: 'lending', role: 'business-stakeholder' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
    });
    const username = (user: string) => (user === 'both' ? 'bella' : NAMES[user]!);
    const password = (user: string) => `${username(user)}-correct-horse-battery`;
    // Tokens expire as the clock moves on months: each user gets a fresh one per simulated day.
    let tokens = new Map<string, Promise<string>>();
    const token = (user: string): Promise<string> => {
      if (!tokens.has(user))
        tokens.set(
          user,
          call(t.app, {
            method: 'POST',
            url: '/api/v1/tokens',
            body: { name: `${user} now`, username: username(user) },
          }).then((r) => r.body.token as string),
        );
      return tokens.get(user)!;
    };
    const at = (day: string) => {
      clock.advance(Date.parse(`${day}T09:00:00Z`) - clock.now().getTime());
      tokens = new Map();
    };
    const run = async (user?: string) =>
      call(t.app, {
        method: 'POST',
        url: '/api/v1/attestations/campaigns',
        ...(user ? { token: await token(user) } : {}),
      });
    const list = async (q = '') => (await call(t.app, { method: 'GET', url: `/api/v1/attestations?${q}` })).body;
    const decide = async (user: string, id: string, body: Record<string, unknown>) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/attestations/${id}/decision`,
        token: await token(user),
        body: { password: password(user), ...body },
      });
    const status = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/attestations/status' })).body.items.find(
        (s: { useCase: { name: string } }) => s.useCase.name === 'credit',
      );
    // The inventory's attestation column for the use case (the overview rows, as the console reads them).
    const inventory = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/overview?q=credit' })).body.items.find(
        (r: { useCase: { name: string } }) => r.useCase.name === 'credit',
      ).useCase.attestation;
    const events = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}&limit=500` })).body.items;
    const inbox = async (user: string) =>
      (await call(t.app, { method: 'GET', url: '/api/v1/tasks?status=all&limit=500', token: await token(user) })).body
        .items as { id: string; kind: string; status: string; due: string; role: string }[];
    const kpi = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/governance/kpis?kpi=overdue-attestations' })).body.values[0];

    it('opens a campaign by tier cadence once, however often it runs', async () => {
      // Tier 4 attests every 90 days; the campaign opens 30 days ahead of the due day.
      expect(await status()).toMatchObject({ tier: 4, status: 'never', nextDueOn: '2030-05-30' });
      expect(await inventory()).toBeNull();
      at('2030-04-29');
      const early = await run();
      expect(early.status, early.text).toBe(200);
      expect(early.body.opened).toEqual([]);
      at('2030-04-30');
      const first = await run();
      expect(first.status, first.text).toBe(200);
      expect(first.body.opened.map((a: { kind: string }) => a.kind).sort()).toEqual(['owner', 'validator']);
      expect(first.body.opened[0]).toMatchObject({ dueOn: '2030-05-30', status: 'open', useCase: { name: 'credit' } });
      expect((await run()).body.opened).toEqual([]);
      expect((await list('useCase=credit')).items).toHaveLength(2);
      expect((await list('kind=owner&status=open')).items).toHaveLength(1);
      expect(await status()).toMatchObject({ status: 'open', nextDueOn: '2030-05-30' });
      expect(await inventory()).toEqual({ status: 'open', lastAttestedOn: null, dueOn: '2030-05-30' });
      const task = (await inbox('owner')).find((x) => x.kind === 'attestation')!;
      expect(task).toMatchObject({ status: 'open', role: 'business-stakeholder' });
      expect(task.due.slice(0, 10)).toBe('2030-05-30');
      expect((await inbox('risk1')).filter((x) => x.kind === 'revalidation')).toHaveLength(1);
      expect(await events('attestation.open')).toHaveLength(2);
    });

    it('refuses what one may not decide, and bad or unknown input, writing nothing', async () => {
      const owner = (await list('kind=owner')).items[0];
      const validator = (await list('kind=validator')).items[0];
      expectProblem(await run('ds'), 403, 'forbidden');
      expectProblem(await decide('owner', randomUUID(), { decision: 'still-accurate' }), 404, 'not_found');
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/attestations/${randomUUID()}` }),
        404,
        'not_found',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/attestations?useCase=nope' }), 404, 'not_found');
      const unknown = await decide('owner', owner.id, { decision: 'maybe' });
      expectProblem(unknown, 400, 'validation_failed');
      expect(unknown.text).toContain('still-accurate, retire, description-changed');
      const wrongKind = await decide('owner', owner.id, { decision: 'revalidated' });
      expectProblem(wrongKind, 400, 'validation_failed');
      expect(wrongKind.body.errors[0]).toMatchObject({ pointer: '/body/decision' });
      expect(wrongKind.body.errors[0].message).toContain('still-accurate, retire, description-changed');
      const kindFilter = await call(t.app, { method: 'GET', url: '/api/v1/attestations?kind=boss' });
      expectProblem(kindFilter, 400, 'validation_failed');
      expect(kindFilter.text).toContain('owner, validator');
      // Not an owner of the use case: a data scientist of its team, a validator, someone of another team.
      expectProblem(await decide('ds', owner.id, { decision: 'still-accurate' }), 403, 'forbidden');
      expectProblem(await decide('risk1', owner.id, { decision: 'still-accurate' }), 403, 'forbidden');
      expectProblem(await decide('outsider', validator.id, { decision: 'revalidated' }), 403, 'forbidden');
      // An owner does not revalidate; an owner who is also a validator is not independent.
      expectProblem(await decide('owner', validator.id, { decision: 'revalidated' }), 403, 'forbidden');
      expectProblem(await decide('both', validator.id, { decision: 'revalidated' }), 403, 'separation_of_duties');
      const refusals = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?action=authz.separation-of-duties&subjectId=${validator.id}`,
      });
      expect(refusals.body.items).toHaveLength(1);
      expectProblem(
        await decide('owner', owner.id, { decision: 'still-accurate', password: 'not-my-password' }),
        403,
        'reauthentication_failed',
      );
      expect((await list('status=open')).items).toHaveLength(2);
      expect(await events('attestation.attest')).toHaveLength(0);
    });

    it('reminds before the due day and escalates when overdue, each once; the KPI counts it', async () => {
      expect((await run()).body).toMatchObject({ reminded: 0, escalated: 0 });
      at('2030-05-23');
      expect((await run()).body).toMatchObject({ opened: [], reminded: 2, escalated: 0 });
      expect((await run()).body).toMatchObject({ reminded: 0, escalated: 0 });
      expect(await events('attestation.remind')).toHaveLength(2);
      expect((await kpi()).value).toBe(0);
      at('2030-05-31');
      expect((await run()).body).toMatchObject({ reminded: 0, escalated: 2 });
      expect((await run()).body).toMatchObject({ reminded: 0, escalated: 0 });
      const escalations = await events('attestation.escalate');
      expect(escalations).toHaveLength(2);
      expect((await inbox('risk2')).filter((x) => x.kind === 'attestation-escalation')).toHaveLength(2);
      expect((await list('overdue=true')).items).toHaveLength(2);
      expect(await status()).toMatchObject({ status: 'overdue', nextDueOn: '2030-05-30' });
      expect(await inventory()).toMatchObject({ status: 'overdue', dueOn: '2030-05-30' });
      expect(await kpi()).toMatchObject({ value: 2, numerator: 2, denominator: 2 });
    });

    it('the owner attests and a validator revalidates by e-signature; the next cycle follows', async () => {
      const owner = (await list('kind=owner')).items[0];
      const validator = (await list('kind=validator')).items[0];
      const attested = await decide('owner', owner.id, { decision: 'still-accurate', comment: 'Unchanged.' });
      expect(attested.status, attested.text).toBe(200);
      expect(attested.body).toMatchObject({ status: 'decided', decision: 'still-accurate', comment: 'Unchanged.' });
      expect(attested.body.decided.signature.manifest).toMatchObject({
        decision: 'still-accurate',
        meaning: 'attest',
        role: 'business-stakeholder',
        signer: { username: 'olga' },
      });
      expectProblem(await decide('owner', owner.id, { decision: 'retire' }), 409, 'conflict');
      expect((await inbox('owner')).find((x) => x.kind === 'attestation')!.status).toBe('done');
      const revalidated = await decide('risk1', validator.id, { decision: 'revalidated' });
      expect(revalidated.status, revalidated.text).toBe(200);
      expect(revalidated.body.decided.signature.manifest).toMatchObject({
        role: 'risk-audit',
        signer: { username: 'rita' },
      });
      expect(await events('attestation.attest')).toHaveLength(1);
      expect(await events('attestation.revalidate')).toHaveLength(1);
      // Settled a day late: nothing is overdue any more, and neither decision was on time.
      expect(await kpi()).toMatchObject({ value: 0, detail: { decided: 2, onTime: 0 } });
      expect(await status()).toMatchObject({
        status: 'current',
        lastAttestedOn: '2030-05-31',
        nextDueOn: '2030-08-29',
      });
      expect(await inventory()).toEqual({ status: 'current', lastAttestedOn: '2030-05-31', dueOn: null });
      expect((await run()).body.opened).toEqual([]);
    });

    it('a changed description opens a re-assessment; retiring opens retirement and ends the campaigns', async () => {
      at('2030-07-30');
      const opened = (await run()).body.opened as { id: string; kind: string; dueOn: string }[];
      expect(opened.map((a) => a.dueOn)).toEqual(['2030-08-29', '2030-08-29']);
      const owner = opened.find((a) => a.kind === 'owner')!;
      const changed = await decide('owner', owner.id, { decision: 'description-changed' });
      expect(changed.status, changed.text).toBe(200);
      const reassess = (await inbox('owner')).find((x) => x.id === changed.body.followUpTaskId)!;
      expect(reassess).toMatchObject({ kind: 're-assessment', status: 'open' });
      const validator = opened.find((a) => a.kind === 'validator')!;
      expect((await decide('risk2', validator.id, { decision: 'not-revalidated' })).status).toBe(200);
      at('2030-10-28');
      const next = (await run()).body.opened as { id: string; kind: string }[];
      expect(next).toHaveLength(2);
      const retired = await decide('owner', next.find((a) => a.kind === 'owner')!.id, { decision: 'retire' });
      expect(retired.status, retired.text).toBe(200);
      const retirement = (await inbox('ds')).find((x) => x.id === retired.body.followUpTaskId)!;
      expect(retirement).toMatchObject({ kind: 'retirement', status: 'open' });
      expect(
        (await decide('risk1', next.find((a) => a.kind === 'validator')!.id, { decision: 'revalidated' })).status,
      ).toBe(200);
      expect(await status()).toMatchObject({ status: 'retired', nextDueOn: null });
      expect(await inventory()).toMatchObject({ status: 'retired', dueOn: null });
      at('2032-01-01');
      expect((await run()).body.opened).toEqual([]);
    });
  });
});
